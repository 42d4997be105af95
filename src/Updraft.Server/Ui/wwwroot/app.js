// Updraft's web UI: one page, drawn from the public REST API (/api/v2) with the session cookie of POST /auth/login.
// It holds no rules of its own about states or permissions: states come from the API, and what a user may do from
// GET /auth/me, which asks the API's own gate. Plain ES modules, no build step, no third-party code (ADR 0026).

const view = document.getElementById("view");
const POLL_MS = 2000;
let timers = [];
let me = null;

// ---- API ------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : detailText(detail));
    this.status = status;
  }
}

function detailText(detail) {
  if (Array.isArray(detail)) {
    return detail.map(d => `${(d.loc || []).slice(1).join(".") || "request"}: ${d.msg}`).join("\n");
  }
  return detail ? JSON.stringify(detail) : "The request failed.";
}

function cookie(name) {
  return document.cookie.split("; ").find(c => c.startsWith(name + "="))?.slice(name.length + 1) ?? "";
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = cookie("updraft_csrf");
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (response.status === 401 && !path.startsWith("/auth/login")) {
    // No session: sign in, then come back here. The CSRF cookie outlives a session that expired or was ended
    // elsewhere, so its presence tells the two apart.
    const expired = cookie("updraft_csrf") !== "";
    me = null;
    go(`/login?next=${encodeURIComponent(location.pathname + location.search)}${expired ? "&expired=1" : ""}`);
    throw new ApiError(401, "Your session has expired; please sign in again.");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: the text is the message */ }
  if (!response.ok) throw new ApiError(response.status, json?.detail ?? (text || response.statusText));
  return json;
}

const enc = encodeURIComponent;

// ---- helpers --------------------------------------------------------------------------------------------------

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? esc(iso) : d.toISOString().replace("T", " ").slice(0, 19);
}

function show(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

function every(ms, fn) {
  const id = setInterval(() => fn().catch(e => show(e.message, "error")), ms);
  timers.push(id);
}

function stopTimers() {
  timers.forEach(clearInterval);
  timers = [];
}

function go(path) {
  if (location.pathname + location.search !== path) history.pushState(null, "", path);
  route();
}

async function whoAmI(dagIds = []) {
  const query = dagIds.length ? `?dag_ids=${enc(dagIds.join(","))}` : "";
  return api(`/auth/me${query}`);
}

const STATES = ["success", "failed", "running", "queued", "scheduled", "up_for_retry", "up_for_reschedule", "upstream_failed", "skipped", "deferred", "removed", "restarting"];

function stateClass(state) {
  return `state-${STATES.includes(state) ? state : "none"}`;
}

// ---- views ----------------------------------------------------------------------------------------------------

async function loginView() {
  const params = new URLSearchParams(location.search);
  document.getElementById("nav").innerHTML = "";
  document.getElementById("user").innerHTML = "";
  view.innerHTML = `
    <form class="login" id="login-form">
      <h1>Sign in to Updraft</h1>
      ${params.get("expired") ? `<p class="banner" id="login-expired">Your session has expired; please sign in again.</p>` : ""}
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" required autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <div class="form-error" id="login-error" role="alert"></div>
      <button class="primary" type="submit" id="login-submit">Sign in</button>
    </form>`;
  document.getElementById("login-form").addEventListener("submit", async event => {
    event.preventDefault();
    const error = document.getElementById("login-error");
    error.textContent = "";
    try {
      await api("/auth/login", { method: "POST", body: { username: document.getElementById("username").value, password: document.getElementById("password").value } });
      me = null;
      const next = params.get("next");
      go(next && next.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (e) {
      error.textContent = e.status === 401 ? "Wrong username or password." : e.message;
    }
  });
}

async function chrome() {
  me ??= await whoAmI();
  const nav = [`<a href="/" data-link>DAGs</a>`];
  document.getElementById("nav").innerHTML = nav.join("");
  document.getElementById("user").innerHTML = `<span id="username-shown">${esc(me.username)}</span> <button id="logout" type="button">Sign out</button>`;
  document.getElementById("logout").onclick = async () => {
    await api("/auth/logout", { method: "POST" });
    me = null;
    go("/login");
  };
}

async function dagListView() {
  await chrome();
  const params = new URLSearchParams(location.search);
  const search = params.get("search") ?? "";
  const filter = params.get("filter") ?? "all";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const limit = 50;
  view.innerHTML = `
    <h1>DAGs</h1>
    <div id="import-errors"></div>
    <div class="toolbar">
      <input id="dag-search" type="search" placeholder="Search DAGs" value="${esc(search)}" aria-label="Search DAGs">
      <select id="dag-filter" aria-label="Show">
        ${["all", "active", "paused", "failed"].map(f => `<option value="${f}" ${f === filter ? "selected" : ""}>${f[0].toUpperCase() + f.slice(1)}</option>`).join("")}
      </select>
      <span class="muted" id="dag-count"></span>
    </div>
    <table class="list" id="dag-table">
      <thead><tr><th>Active</th><th>DAG</th><th>Schedule</th><th>Next run</th><th>Recent runs</th><th>Owner</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <div class="pager" id="pager"></div>
    ${triggerDialog()}`;
  const searchBox = document.getElementById("dag-search");
  let typing;
  searchBox.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => go(`/?search=${enc(searchBox.value)}&filter=${enc(filter)}`), 250);
  });
  document.getElementById("dag-filter").onchange = e => go(`/?search=${enc(search)}&filter=${enc(e.target.value)}`);

  const load = async () => {
    let query = `limit=${limit}&offset=${offset}&order_by=dag_id`;
    if (search) query += `&dag_id_pattern=${enc(search)}`;
    if (filter === "active") query += "&paused=false";
    if (filter === "paused") query += "&paused=true";
    if (filter === "failed") query += "&last_dag_run_state=failed";
    const page = await api(`/api/v2/dags?${query}`);
    const ids = page.dags.map(d => d.dag_id);
    const [rights, runs] = await Promise.all([
      whoAmI(ids),
      ids.length ? api(`/api/v2/dags/~/dagRuns/list`, { method: "POST", body: { dag_ids: ids, page_limit: 100, order_by: "-run_after" } }) : { dag_runs: [] },
    ]);
    const recent = new Map();
    for (const run of runs.dag_runs) {
      const list = recent.get(run.dag_id) ?? [];
      if (list.length < 10) list.push(run);
      recent.set(run.dag_id, list);
    }
    const body = document.querySelector("#dag-table tbody");
    body.innerHTML = page.dags.map(dag => {
      const can = rights.dags[dag.dag_id] ?? {};
      return `
        <tr data-dag-id="${esc(dag.dag_id)}">
          <td><label class="switch" title="${dag.is_paused ? "Paused: unpause" : "Active: pause"}">
            <input type="checkbox" class="pause-toggle" aria-label="Active: ${esc(dag.dag_id)}" ${dag.is_paused ? "" : "checked"} ${can.pause ? "" : "disabled"}><span></span></label></td>
          <td><a class="dag-link" href="/dags/${enc(dag.dag_id)}" data-link>${esc(dag.dag_id)}</a>
            <div>${(dag.tags ?? []).map(t => `<span class="tag">${esc(t.name)}</span>`).join("")}</div></td>
          <td>${esc(dag.timetable_summary ?? "")}</td>
          <td>${when(dag.next_dagrun_run_after)}</td>
          <td class="recent-runs">${(recent.get(dag.dag_id) ?? []).slice().reverse().map(r => `<span class="dot ${stateClass(r.state)}" title="${esc(r.dag_run_id)}: ${esc(r.state)}"></span>`).join("")}</td>
          <td class="muted">${esc((dag.owners ?? []).join(", "))}</td>
          <td>${can.trigger ? `<button type="button" class="trigger" aria-label="Trigger ${esc(dag.dag_id)}">Trigger</button>` : ""}</td>
        </tr>`;
    }).join("") || `<tr><td colspan="7" class="muted">No DAG matches.</td></tr>`;
    document.getElementById("dag-count").textContent = `${page.total_entries} DAG${page.total_entries === 1 ? "" : "s"}`;
    const pager = document.getElementById("pager");
    pager.innerHTML = page.total_entries > limit
      ? `${offset > 0 ? `<a href="/?search=${enc(search)}&filter=${enc(filter)}&offset=${Math.max(0, offset - limit)}" data-link>Previous</a>` : ""}
         <span>${offset + 1}–${Math.min(offset + limit, page.total_entries)} of ${page.total_entries}</span>
         ${offset + limit < page.total_entries ? `<a href="/?search=${enc(search)}&filter=${enc(filter)}&offset=${offset + limit}" data-link>Next</a>` : ""}`
      : "";
    for (const row of body.querySelectorAll("tr[data-dag-id]")) {
      const dagId = row.dataset.dagId;
      row.querySelector(".pause-toggle").onchange = e => setPaused(dagId, !e.target.checked).then(load);
      const trigger = row.querySelector(".trigger");
      if (trigger) trigger.onclick = () => openTrigger(dagId);
    }
    await importErrors();
  };
  await load();
  every(5000, load);
}

async function importErrors() {
  if (!me?.pages?.import_errors) return;
  const errors = await api("/api/v2/importErrors?limit=20");
  const box = document.getElementById("import-errors");
  if (!box) return;
  box.innerHTML = errors.total_entries
    ? `<div class="banner" id="import-error-banner"><strong>${errors.total_entries} DAG file${errors.total_entries === 1 ? "" : "s"} failed to load</strong>
        <ul>${errors.import_errors.map(e => `<li><code>${esc(e.filename)}</code>: ${esc(e.stack_trace)}</li>`).join("")}</ul></div>`
    : "";
}

async function setPaused(dagId, paused) {
  try {
    await api(`/api/v2/dags/${enc(dagId)}`, { method: "PATCH", body: { is_paused: paused } });
    show(`${dagId} is ${paused ? "paused" : "active"}.`);
  } catch (e) {
    show(e.message, "error");
  }
}

function triggerDialog() {
  return `
    <dialog id="trigger-dialog" aria-labelledby="trigger-title">
      <form method="dialog" id="trigger-form">
        <h1 id="trigger-title">Trigger</h1>
        <label for="trigger-conf">Configuration (JSON object)</label>
        <textarea id="trigger-conf" spellcheck="false">{}</textarea>
        <div class="form-error" id="trigger-error" role="alert"></div>
        <div class="actions">
          <button type="button" id="trigger-cancel">Cancel</button>
          <button type="submit" class="primary" id="trigger-submit">Trigger</button>
        </div>
      </form>
    </dialog>`;
}

function openTrigger(dagId, after) {
  const dialog = document.getElementById("trigger-dialog");
  document.getElementById("trigger-title").textContent = `Trigger ${dagId}`;
  document.getElementById("trigger-error").textContent = "";
  document.getElementById("trigger-cancel").onclick = () => dialog.close();
  document.getElementById("trigger-form").onsubmit = async event => {
    event.preventDefault();
    const error = document.getElementById("trigger-error");
    let conf;
    try {
      conf = JSON.parse(document.getElementById("trigger-conf").value || "{}");
      if (conf === null || typeof conf !== "object" || Array.isArray(conf)) throw new SyntaxError("the configuration must be a JSON object, such as {\"rows\": 10}");
    } catch (e) {
      error.textContent = `Not valid: ${e.message}`;
      return;
    }
    try {
      const run = await api(`/api/v2/dags/${enc(dagId)}/dagRuns`, { method: "POST", body: { logical_date: null, conf } });
      dialog.close();
      show(`Triggered ${dagId}: ${run.dag_run_id}`);
      if (after) await after(run);
    } catch (e) {
      error.textContent = e.message;
    }
  };
  dialog.showModal();
}

async function dagView(dagId) {
  await chrome();
  let dag;
  try {
    dag = await api(`/api/v2/dags/${enc(dagId)}`);
  } catch (e) {
    view.innerHTML = `<h1>DAG not found</h1><p id="not-found">${esc(e.status === 404 ? `There is no DAG '${dagId}' (or you may not see it).` : e.message)}</p><p><a href="/" data-link>All DAGs</a></p>`;
    return;
  }
  const rights = (await whoAmI([dagId])).dags[dagId] ?? {};
  view.innerHTML = `
    <h1><label class="switch" title="Active"><input type="checkbox" class="pause-toggle" aria-label="Active: ${esc(dagId)}" ${dag.is_paused ? "" : "checked"} ${rights.pause ? "" : "disabled"}><span></span></label>
      <span id="dag-title">${esc(dagId)}</span>
      <span class="muted">${esc(dag.timetable_summary ?? "")}</span>
      ${rights.trigger ? `<button type="button" class="trigger primary">Trigger</button>` : ""}</h1>
    <div class="dag-body">
      <div class="grid-wrap"><table class="grid" id="grid"></table></div>
      <aside id="ti-panel" hidden></aside>
    </div>
    <div class="legend">${STATES.map(s => `<span><span class="dot ${stateClass(s)}"></span>${s}</span>`).join("")}</div>
    ${triggerDialog()}
    ${clearDialog()}`;
  view.querySelector(".pause-toggle").onchange = e => setPaused(dagId, !e.target.checked);
  const trigger = view.querySelector(".trigger");
  const panel = { dagId, rights, open: null };
  const load = async () => {
    await drawGrid(dagId);
    if (panel.open) await drawPanel(panel);
  };
  if (trigger) trigger.onclick = () => openTrigger(dagId, load);
  document.getElementById("grid").addEventListener("click", event => {
    const cell = event.target.closest("td.ti");
    if (!cell || cell.classList.contains("group-cell")) return;
    panel.open = { runId: cell.dataset.runId, taskId: cell.closest("tr").dataset.taskId, tryNumber: null, token: null, lines: [] };
    const url = new URL(location.href);
    url.searchParams.set("run", panel.open.runId);
    url.searchParams.set("task", panel.open.taskId);
    history.replaceState(null, "", url);
    drawPanel(panel).catch(e => show(e.message, "error"));
  });
  const params = new URLSearchParams(location.search);
  if (params.get("run") && params.get("task")) {
    panel.open = { runId: params.get("run"), taskId: params.get("task"), tryNumber: null, token: null, lines: [] };
  }
  await load();
  every(POLL_MS, load);
}

// The task-instance panel: state, times, tries; the log of a try (tailed while it runs, searchable, downloadable);
// clear with a dry-run preview.
async function drawPanel(panel) {
  const { dagId, rights } = panel;
  const open = panel.open;
  const box = document.getElementById("ti-panel");
  if (!box || !open) return;
  const base = `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(open.runId)}/taskInstances/${enc(open.taskId)}`;
  const ti = await api(base);
  const tries = Math.max(ti.try_number ?? 0, 1);
  const firstDraw = box.hidden || box.dataset.key !== `${open.runId}\u0000${open.taskId}`;
  if (firstDraw) {
    box.dataset.key = `${open.runId}\u0000${open.taskId}`;
    box.hidden = false;
    open.tryNumber = null;
    box.innerHTML = `
      <div class="panel-head"><strong id="ti-title"></strong><button type="button" id="ti-close" aria-label="Close">×</button></div>
      <dl id="ti-facts"></dl>
      <div class="toolbar" id="ti-actions"></div>
      <div class="toolbar">
        <label for="log-try">Try</label><select id="log-try"></select>
        <input id="log-search" type="search" placeholder="Search the log" aria-label="Search the log">
        <button type="button" id="log-download">Download</button>
      </div>
      <pre id="log" tabindex="0"></pre>`;
    document.getElementById("ti-close").onclick = () => {
      panel.open = null;
      box.hidden = true;
      const url = new URL(location.href);
      url.searchParams.delete("run");
      url.searchParams.delete("task");
      history.replaceState(null, "", url);
    };
    document.getElementById("log-try").onchange = e => {
      open.tryNumber = Number(e.target.value);
      open.pinned = true;
      open.token = null;
      open.lines = [];
      drawPanel(panel).catch(err => show(err.message, "error"));
    };
    document.getElementById("log-search").oninput = () => drawLog(open);
    document.getElementById("log-download").onclick = () => {
      const blob = new Blob([open.lines.join("\n") + "\n"], { type: "text/plain" });
      const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${dagId}.${open.runId}.${open.taskId}.${open.tryNumber}.log` });
      link.click();
      URL.revokeObjectURL(link.href);
    };
  }
  document.getElementById("ti-title").textContent = `${open.taskId} · ${open.runId}`;
  document.getElementById("ti-facts").innerHTML = [
    ["State", `<span class="dot ${stateClass(ti.state)}"></span><span id="ti-state">${esc(ti.state ?? "none")}</span>`],
    ["Try", esc(ti.try_number)], ["Started", when(ti.start_date)], ["Ended", when(ti.end_date)],
    ["Duration", ti.duration == null ? "" : `${Number(ti.duration).toFixed(1)} s`], ["Operator", esc(ti.operator ?? "")],
  ].map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  document.getElementById("ti-actions").innerHTML = rights.clear
    ? `<button type="button" id="ti-clear">Clear…</button>` : "";
  const clear = document.getElementById("ti-clear");
  if (clear) clear.onclick = () => openClear(dagId, open.runId, open.taskId);

  const select = document.getElementById("log-try");
  if (select.options.length !== tries) {
    select.innerHTML = Array.from({ length: tries }, (_, i) => `<option value="${i + 1}">${i + 1}</option>`).join("");
  }
  // The latest try, unless one was chosen: a task cleared while watched shows its new try.
  if (open.tryNumber === null || open.tryNumber > tries || (!open.pinned && open.tryNumber !== tries)) {
    open.tryNumber = tries;
    open.token = null;
    open.lines = [];
  }
  select.value = String(open.tryNumber);
  if (ti.state === null && (ti.try_number ?? 0) === 0) {
    document.getElementById("log").textContent = "The task has not run yet.";
    return;
  }
  // The whole log the first time, then what was written since (the continuation token) while it runs.
  if (open.token === null || !["success", "failed", "skipped", "upstream_failed", "removed"].includes(ti.state) || open.lines.length === 0) {
    const query = open.token ? `?token=${enc(open.token)}` : "";
    try {
      const log = await api(`${base}/logs/${open.tryNumber}${query}`);
      open.lines.push(...log.content.map(c => c.event));
      open.token = log.continuation_token ?? open.token;
    } catch (e) {
      if (e.status !== 404) throw e;
    }
  }
  drawLog(open);
}

function drawLog(open) {
  const pre = document.getElementById("log");
  if (!pre) return;
  const term = document.getElementById("log-search").value.trim().toLowerCase();
  const lines = term ? open.lines.filter(l => l.toLowerCase().includes(term)) : open.lines;
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.innerHTML = lines.map(l => `<span class="log-line">${esc(l)}</span>`).join("\n") || `<span class="muted">${term ? "No line matches." : "No log lines yet."}</span>`;
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function clearDialog() {
  return `
    <dialog id="clear-dialog" aria-labelledby="clear-title">
      <form method="dialog" id="clear-form">
        <h1 id="clear-title">Clear</h1>
        <div class="toolbar">
          <label><input type="checkbox" id="clear-upstream"> Upstream</label>
          <label><input type="checkbox" id="clear-downstream" checked> Downstream</label>
          <label><input type="checkbox" id="clear-only-failed"> Only failed</label>
        </div>
        <p class="muted">These task instances will be cleared and run again:</p>
        <ul id="clear-preview"></ul>
        <div class="form-error" id="clear-error" role="alert"></div>
        <div class="actions">
          <button type="button" id="clear-cancel">Cancel</button>
          <button type="submit" class="primary" id="clear-confirm">Clear</button>
        </div>
      </form>
    </dialog>`;
}

function openClear(dagId, runId, taskId) {
  const dialog = document.getElementById("clear-dialog");
  const body = dryRun => ({
    dry_run: dryRun, dag_run_id: runId, task_ids: [taskId], only_failed: document.getElementById("clear-only-failed").checked,
    include_upstream: document.getElementById("clear-upstream").checked, include_downstream: document.getElementById("clear-downstream").checked,
  });
  const error = document.getElementById("clear-error");
  const preview = async () => {
    error.textContent = "";
    const list = document.getElementById("clear-preview");
    list.innerHTML = `<li class="muted">…</li>`;
    try {
      const result = await api(`/api/v2/dags/${enc(dagId)}/clearTaskInstances`, { method: "POST", body: body(true) });
      list.innerHTML = result.task_instances.map(t => `<li class="clear-item" data-task-id="${esc(t.task_id)}">${esc(t.task_id)}${t.map_index >= 0 ? `[${t.map_index}]` : ""} <span class="muted">${esc(t.state ?? "none")}</span></li>`).join("")
        || `<li class="muted">Nothing to clear.</li>`;
      document.getElementById("clear-confirm").disabled = result.task_instances.length === 0;
    } catch (e) {
      list.innerHTML = "";
      error.textContent = e.message;
    }
  };
  for (const id of ["clear-upstream", "clear-downstream", "clear-only-failed"]) document.getElementById(id).onchange = preview;
  document.getElementById("clear-title").textContent = `Clear ${taskId} · ${runId}`;
  document.getElementById("clear-cancel").onclick = () => dialog.close();
  document.getElementById("clear-form").onsubmit = async event => {
    event.preventDefault();
    try {
      const result = await api(`/api/v2/dags/${enc(dagId)}/clearTaskInstances`, { method: "POST", body: body(false) });
      dialog.close();
      show(`Cleared ${result.task_instances.length} task instance${result.task_instances.length === 1 ? "" : "s"}.`);
    } catch (e) {
      error.textContent = e.message;
    }
  };
  dialog.showModal();
  preview();
}

const collapsed = new Set();

async function drawGrid(dagId) {
  const data = await api(`/ui/grid/${enc(dagId)}?limit=25`);
  const grid = document.getElementById("grid");
  if (!grid) return;
  const runs = data.runs;
  if (!runs.length) {
    grid.innerHTML = `<tr><td class="muted" id="no-runs">No runs yet.</td></tr>`;
    return;
  }
  // A node is hidden when a group above it is collapsed.
  const parents = new Map(data.nodes.map(n => [n.id, n.parent]));
  const hidden = node => { for (let p = node.parent; p; p = parents.get(p)) if (collapsed.has(`${dagId}\u0000${p}`)) return true; return false; };
  const header = `<tr><th></th>${runs.map(r => `<th class="run" data-run-id="${esc(r.dag_run_id)}" title="${esc(r.dag_run_id)}">${esc(when(r.run_after ?? r.logical_date))}</th>`).join("")}</tr>`;
  const runRow = `<tr class="run-row"><th class="task muted">Runs</th>${runs.map(r => `<td class="run-bar"><div class="run-state ${stateClass(r.state)}" data-run-id="${esc(r.dag_run_id)}" data-state="${esc(r.state)}" title="${esc(r.dag_run_id)}: ${esc(r.state)}" style="height:24px"></div></td>`).join("")}</tr>`;
  const rows = data.nodes.filter(n => !hidden(n)).map(n => {
    const isGroup = n.kind === "group";
    const open = !collapsed.has(`${dagId}\u0000${n.id}`);
    const name = isGroup
      ? `<button type="button" class="group-toggle" aria-expanded="${open}" data-group="${esc(n.id)}">${open ? "▾" : "▸"} ${esc(n.label)}</button>`
      : `${esc(n.label)}${n.mapped ? ` <span class="muted">[ ]</span>` : ""}`;
    const cells = runs.map((r, i) => {
      const state = n.states[i] ?? "none";
      const counts = n.counts?.[i];
      const detail = counts && Object.keys(counts).length ? Object.entries(counts).map(([s, c]) => `${s}: ${c}`).join(", ") : state;
      return `<td class="ti ${stateClass(state)}${isGroup ? " group-cell" : ""}" data-run-id="${esc(r.dag_run_id)}" data-state="${esc(state)}" title="${esc(n.label)} · ${esc(r.dag_run_id)} · ${esc(detail)}"></td>`;
    }).join("");
    return `<tr data-${isGroup ? "group-id" : "task-id"}="${esc(isGroup ? n.id : n.id)}"><th class="task" style="padding-left:${n.depth * 14}px">${name}</th>${cells}</tr>`;
  }).join("");
  grid.innerHTML = header + runRow + rows;
  for (const toggle of grid.querySelectorAll(".group-toggle")) {
    toggle.onclick = () => {
      const key = `${dagId}\u0000${toggle.dataset.group}`;
      if (collapsed.has(key)) collapsed.delete(key); else collapsed.add(key);
      drawGrid(dagId).catch(e => show(e.message, "error"));
    };
  }
}

// ---- routing --------------------------------------------------------------------------------------------------

async function route() {
  stopTimers();
  show("");
  const path = location.pathname;
  try {
    if (path === "/login") return await loginView();
    const dag = path.match(/^\/dags\/([^/]+)\/?$/);
    if (dag) return await dagView(decodeURIComponent(dag[1]));
    if (path === "/" || path === "/dags") return await dagListView();
    await chrome();
    view.innerHTML = `<h1>Not found</h1><p id="not-found">There is no page at ${esc(path)}.</p><p><a href="/" data-link>All DAGs</a></p>`;
  } catch (e) {
    if (e.status !== 401) show(e.message, "error");
  }
}

document.addEventListener("click", event => {
  const link = event.target.closest("a[data-link]");
  if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && link.origin === location.origin) {
    event.preventDefault();
    go(link.pathname + link.search);
  }
});
window.addEventListener("popstate", route);
document.getElementById("theme-toggle").onclick = () => {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  localStorage.setItem("updraft-theme", next);
};
route();
