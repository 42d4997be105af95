// The side panels of the DAG page: a task instance (state, tries, mapped instances, why it waits, XCom, each try's
// log tailed while it runs; clear and mark success / failed with a dry-run preview) and a run (state, conf, note;
// clear and mark).

import { api, enc, esc, when, seconds, show, failed, badge, facts, modal, setQuery, stateClass, FINISHED } from "./core.js";

const runBase = (dagId, runId) => `/api/v2/dags/${enc(dagId)}/dagRuns/${enc(runId)}`;

/** Opens (or refreshes) the panel; `panel.open` is { kind: "ti" | "run", runId, taskId, mapIndex }. */
export async function drawPanel(panel) {
  const box = document.getElementById("side-panel");
  if (!box) return;
  if (!panel.open) {
    box.hidden = true;
    return;
  }
  if (panel.open.kind === "run") await drawRun(panel, box); else await drawTask(panel, box);
}

function head(box, panel, key, title) {
  if (box.dataset.key === key && !box.hidden) return false;
  box.dataset.key = key;
  box.hidden = false;
  box.innerHTML = `
    <div class="panel-head"><strong id="panel-title">${esc(title)}</strong><button type="button" id="panel-close" aria-label="Close the panel">×</button></div>
    <div id="panel-body"></div>`;
  box.querySelector("#panel-close").onclick = () => {
    panel.open = null;
    box.hidden = true;
    box.dataset.key = "";
    setQuery({ run: null, task: null, map: null });
  };
  return true;
}

// ---- a run ------------------------------------------------------------------------------------------------------

async function drawRun(panel, box) {
  const { dagId, rights } = panel;
  const open = panel.open;
  const run = await api(runBase(dagId, open.runId));
  if (head(box, panel, `run\u0000${open.runId}`, `Run ${open.runId}`)) {
    box.querySelector("#panel-body").innerHTML = `
      <dl class="facts" id="run-facts"></dl>
      <div class="toolbar" id="run-actions"></div>
      <h2>Configuration</h2><pre class="code-block" id="run-conf"></pre>`;
  }
  box.querySelector("#run-facts").innerHTML = facts([
    ["State", `<span id="run-state">${badge(run.state)}</span>`],
    ["Run type", esc(run.run_type)], ["Triggered by", esc(run.triggered_by ?? "")],
    ["Run after", when(run.run_after)], ["Logical date", when(run.logical_date)],
    ["Queued", when(run.queued_at)], ["Started", when(run.start_date)], ["Ended", when(run.end_date)], ["Duration", seconds(run.duration)],
    ["DAG version", esc(run.dag_versions?.[0]?.version_number ?? "")], ["Note", esc(run.note ?? "")],
  ]);
  box.querySelector("#run-conf").textContent = JSON.stringify(run.conf ?? {}, null, 2);
  const actions = box.querySelector("#run-actions");
  if (actions.dataset.drawn !== "1") {
    actions.dataset.drawn = "1";
    actions.innerHTML = `
      ${rights.clear ? `<button type="button" id="run-clear">Clear run…</button>` : ""}
      ${rights.edit_run ? `<button type="button" id="run-success">Mark success…</button><button type="button" id="run-failed">Mark failed…</button>` : ""}`;
    box.querySelector("#run-clear")?.addEventListener("click", () => clearRun(dagId, open.runId));
    box.querySelector("#run-success")?.addEventListener("click", () => markRun(dagId, open.runId, "success"));
    box.querySelector("#run-failed")?.addEventListener("click", () => markRun(dagId, open.runId, "failed"));
  }
}

function previewList(rows) {
  return rows.map(t => `<li class="preview-item" data-task-id="${esc(t.task_id)}">${esc(t.task_id)}${t.map_index >= 0 ? `[${t.map_index}]` : ""} <span class="muted">${esc(t.state ?? "none")}</span></li>`).join("")
    || `<li class="muted">Nothing would change.</li>`;
}

async function clearRun(dagId, runId) {
  const body = (dryRun, dialog) => ({ dry_run: dryRun, only_failed: dialog.querySelector("#run-clear-only-failed").checked });
  const done = await modal({
    id: "run-clear-dialog", title: `Clear run ${runId}`, submit: "Clear",
    body: `<div class="toolbar"><label><input type="checkbox" id="run-clear-only-failed"> Only failed tasks</label></div>
      <p class="muted">These task instances will be cleared and run again:</p><ul class="preview" id="run-clear-preview"></ul>`,
    onOpen: (dialog, error) => {
      const preview = async () => {
        const list = dialog.querySelector("#run-clear-preview");
        try {
          const result = await api(`${runBase(dagId, runId)}/clear`, { method: "POST", body: body(true, dialog) });
          list.innerHTML = previewList(result.task_instances);
        } catch (e) { error.textContent = e.message; }
      };
      dialog.querySelector("#run-clear-only-failed").onchange = preview;
      preview();
    },
    onSubmit: dialog => api(`${runBase(dagId, runId)}/clear`, { method: "POST", body: body(false, dialog) }),
  });
  if (done) show(`Cleared run ${runId}.`);
}

async function markRun(dagId, runId, state) {
  const done = await modal({
    id: "run-mark-dialog", title: `Mark run ${runId} as ${state}`, submit: `Mark ${state}`, danger: state === "failed",
    body: `<p>The run's unfinished task instances will be marked ${state === "success" ? "success" : "skipped"}${state === "failed" ? ", and running ones failed" : ""}, and the run ${state}.</p>`,
    onSubmit: () => api(runBase(dagId, runId), { method: "PATCH", body: { state } }),
  });
  if (done) show(`Run ${runId} is ${state}.`);
}

// ---- a task instance ----------------------------------------------------------------------------------------------

async function drawTask(panel, box) {
  const { dagId, rights } = panel;
  const open = panel.open;
  const base = `${runBase(dagId, open.runId)}/taskInstances`;
  const list = (await api(`${base}?task_id=${enc(open.taskId)}&limit=1000&order_by=map_index`)).task_instances;
  if (!list.length) {
    head(box, panel, `missing\u0000${open.runId}\u0000${open.taskId}`, `${open.taskId} · ${open.runId}`);
    box.querySelector("#panel-body").innerHTML = `<p id="ti-missing">Run ${esc(open.runId)} has no task ${esc(open.taskId)} (it may belong to another version of the DAG).</p>`;
    return;
  }
  const mapped = list.some(t => t.map_index >= 0);
  if (mapped && open.mapIndex < 0) open.mapIndex = list[0].map_index;
  const ti = list.find(t => t.map_index === open.mapIndex) ?? list[0];
  open.mapIndex = ti.map_index;
  const key = `ti\u0000${open.runId}\u0000${open.taskId}\u0000${open.mapIndex}`;
  const query = ti.map_index >= 0 ? `?map_index=${ti.map_index}` : "";
  if (head(box, panel, key, `${open.taskId}${mapped ? `[${open.mapIndex}]` : ""} · ${open.runId}`)) {
    open.tryNumber = null; open.pinned = false; open.token = null; open.lines = [];
    box.querySelector("#panel-body").innerHTML = `
      <div id="ti-mapped"></div>
      <dl class="facts" id="ti-facts"></dl>
      <div class="toolbar" id="ti-actions"></div>
      <div id="ti-deps"></div>
      <div id="ti-docs"></div>
      <div class="tabs small" role="tablist">
        <button type="button" role="tab" id="ti-tab-log" aria-selected="true">Log</button>
        <button type="button" role="tab" id="ti-tab-xcom" aria-selected="false">XCom</button>
        <button type="button" role="tab" id="ti-tab-rendered" aria-selected="false">Rendered</button>
      </div>
      <section id="ti-log-section">
        <div class="toolbar">
          <label for="log-try">Try</label><select id="log-try"></select>
          <input id="log-search" type="search" placeholder="Search the log" aria-label="Search the log">
          <button type="button" id="log-download">Download</button>
        </div>
        <pre id="log" tabindex="0"></pre>
      </section>
      <section id="ti-xcom-section" hidden><table class="list compact" id="xcom"></table></section>
      <section id="ti-rendered-section" hidden><table class="list compact" id="rendered"></table></section>`;
    const tabs = [["log", "#ti-log-section"], ["xcom", "#ti-xcom-section"], ["rendered", "#ti-rendered-section"]];
    for (const [name] of tabs) {
      box.querySelector(`#ti-tab-${name}`).onclick = () => {
        for (const [other, section] of tabs) {
          box.querySelector(`#ti-tab-${other}`).setAttribute("aria-selected", String(other === name));
          box.querySelector(section).hidden = other !== name;
        }
        if (name === "xcom") drawXcom(base, open, query).catch(failed);
        if (name === "rendered") drawRendered(base, open).catch(failed);
      };
    }
    box.querySelector("#log-try").onchange = e => {
      open.tryNumber = Number(e.target.value); open.pinned = true; open.token = null; open.lines = [];
      drawPanel(panel).catch(failed);
    };
    box.querySelector("#log-search").oninput = () => drawLog(open);
    box.querySelector("#log-download").onclick = () => {
      const blob = new Blob([open.lines.join("\n") + "\n"], { type: "text/plain" });
      const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${dagId}.${open.runId}.${open.taskId}${mapped ? `.${open.mapIndex}` : ""}.${open.tryNumber}.log` });
      link.click();
      URL.revokeObjectURL(link.href);
    };
    // The task's own documentation (DocMd), rendered by the server once per DAG page.
    panel.docs ??= api(`/ui/docs/${enc(dagId)}`).catch(() => ({ tasks: {} }));
    panel.docs.then(docs => {
      const html = docs.tasks?.[open.taskId];
      const target = box.querySelector("#ti-docs");
      if (html && target) target.innerHTML = `<details class="task-docs"><summary>Docs</summary><div class="markdown">${html}</div></details>`;
    });
    const actions = box.querySelector("#ti-actions");
    actions.innerHTML = `
      ${rights.clear ? `<button type="button" id="ti-clear">Clear…</button>` : ""}
      ${rights.mark ? `<button type="button" id="ti-mark-success">Mark success…</button><button type="button" id="ti-mark-failed">Mark failed…</button>` : ""}`;
    box.querySelector("#ti-clear")?.addEventListener("click", () => openClear(dagId, open.runId, open.taskId, mapped ? open.mapIndex : -1));
    box.querySelector("#ti-mark-success")?.addEventListener("click", () => openMark(dagId, open.runId, open.taskId, mapped ? open.mapIndex : -1, "success"));
    box.querySelector("#ti-mark-failed")?.addEventListener("click", () => openMark(dagId, open.runId, open.taskId, mapped ? open.mapIndex : -1, "failed"));
  }

  // Mapped: every instance with its state, one chosen.
  const mappedBox = box.querySelector("#ti-mapped");
  mappedBox.innerHTML = mapped
    ? `<div class="mapped" role="listbox" aria-label="Mapped instances">${list.map(t => `<button type="button" role="option" class="map-index" data-map-index="${t.map_index}" aria-selected="${t.map_index === open.mapIndex}" title="[${t.map_index}] ${esc(t.state ?? "none")}" aria-label="Instance ${t.map_index}: ${esc(t.state ?? "none")}"><span class="dot ${stateClass(t.state)}"></span>${t.map_index}</button>`).join("")}</div>`
    : "";
  for (const button of mappedBox.querySelectorAll(".map-index")) {
    button.onclick = () => {
      open.mapIndex = Number(button.dataset.mapIndex);
      setQuery({ map: open.mapIndex });
      drawPanel(panel).catch(failed);
    };
  }

  box.querySelector("#ti-facts").innerHTML = facts([
    ["State", `<span class="dot ${stateClass(ti.state)}"></span><span id="ti-state">${esc(ti.state ?? "none")}</span>`],
    ["Try", esc(ti.try_number)], ["Started", when(ti.start_date)], ["Ended", when(ti.end_date)], ["Duration", seconds(ti.duration)],
    ["Operator", esc(ti.operator ?? "")], ["Pool", esc(ti.pool ?? "")], ["Queue", esc(ti.queue ?? "")], ["Host", esc(ti.hostname ?? "")],
    ti.note ? ["Note", esc(ti.note)] : null,
  ]);

  // Why it is not running: only for an instance that waits.
  const deps = box.querySelector("#ti-deps");
  if (!FINISHED.includes(ti.state) && ti.state !== "running") {
    const path = ti.map_index >= 0 ? `${base}/${enc(open.taskId)}/${ti.map_index}/dependencies` : `${base}/${enc(open.taskId)}/dependencies`;
    const result = await api(path);
    deps.innerHTML = result.dependencies.length
      ? `<div class="banner" id="ti-why"><strong>Why this task is not running</strong><ul>${result.dependencies.map(d => `<li><strong>${esc(d.name)}</strong>: ${esc(d.reason)}</li>`).join("")}</ul></div>`
      : "";
  } else {
    deps.innerHTML = "";
  }

  const tries = Math.max(ti.try_number ?? 0, 1);
  const select = box.querySelector("#log-try");
  if (select.options.length !== tries) {
    select.innerHTML = Array.from({ length: tries }, (_, i) => `<option value="${i + 1}">${i + 1}</option>`).join("");
  }
  // The latest try, unless one was chosen: a task cleared while watched shows its new try.
  if (open.tryNumber === null || open.tryNumber > tries || (!open.pinned && open.tryNumber !== tries)) {
    open.tryNumber = tries; open.token = null; open.lines = [];
  }
  select.value = String(open.tryNumber);
  if (ti.state === null && (ti.try_number ?? 0) === 0) {
    box.querySelector("#log").textContent = "The task has not run yet.";
    return;
  }
  // The whole log the first time, then what was written since (the continuation token) while it runs.
  if (open.token === null || !FINISHED.includes(ti.state) || open.lines.length === 0) {
    const params = new URLSearchParams();
    if (open.token) params.set("token", open.token);
    if (ti.map_index >= 0) params.set("map_index", ti.map_index);
    try {
      const log = await api(`${base}/${enc(open.taskId)}/logs/${open.tryNumber}${params.size ? `?${params}` : ""}`);
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

async function drawXcom(base, open, query) {
  const table = document.getElementById("xcom");
  const entries = (await api(`${base}/${enc(open.taskId)}/xcomEntries${query}${query ? "&" : "?"}limit=50`)).xcom_entries;
  const values = await Promise.all(entries.map(x =>
    api(`${base}/${enc(open.taskId)}/xcomEntries/${enc(x.key)}${query}`).then(v => v.value, e => `(${e.message})`)));
  table.innerHTML = entries.length
    ? `<thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>${entries.map((x, i) => `<tr class="xcom-row"><td><code>${esc(x.key)}</code></td><td><pre class="value">${esc(typeof values[i] === "string" ? values[i] : JSON.stringify(values[i], null, 2))}</pre></td></tr>`).join("")}</tbody>`
    : `<tbody><tr><td class="muted">This task instance pushed no XCom.</td></tr></tbody>`;
}

/** The template fields as the try rendered them (secrets masked by the worker before they were stored). */
async function drawRendered(base, open) {
  const table = document.getElementById("rendered");
  const ti = await api(`${base}/${enc(open.taskId)}${open.mapIndex >= 0 ? `/${open.mapIndex}` : ""}`);
  const fields = Object.entries(ti.rendered_fields ?? {});
  table.innerHTML = fields.length
    ? `<thead><tr><th>Field</th><th>Rendered</th></tr></thead><tbody>${fields.map(([k, v]) => `<tr class="rendered-row"><td><code>${esc(k)}</code></td><td><pre class="value">${esc(typeof v === "string" ? v : JSON.stringify(v, null, 2))}</pre></td></tr>`).join("")}</tbody>`
    : `<tbody><tr><td class="muted">No rendered templates: the task has no templated fields, or has not rendered them yet.</td></tr></tbody>`;
}

// ---- clear and mark -----------------------------------------------------------------------------------------------

function openClear(dagId, runId, taskId, mapIndex) {
  const body = (dryRun, dialog) => ({
    dry_run: dryRun, dag_run_id: runId, task_ids: [taskId], only_failed: dialog.querySelector("#clear-only-failed").checked,
    include_upstream: dialog.querySelector("#clear-upstream").checked, include_downstream: dialog.querySelector("#clear-downstream").checked,
  });
  return modal({
    id: "clear-dialog", title: `Clear ${taskId}${mapIndex >= 0 ? " (every mapped instance)" : ""} · ${runId}`, submit: "Clear",
    body: `
      <div class="toolbar">
        <label><input type="checkbox" id="clear-upstream"> Upstream</label>
        <label><input type="checkbox" id="clear-downstream" checked> Downstream</label>
        <label><input type="checkbox" id="clear-only-failed"> Only failed</label>
      </div>
      <p class="muted">These task instances will be cleared and run again:</p>
      <ul class="preview" id="clear-preview"></ul>`,
    onOpen: (dialog, error) => {
      const preview = async () => {
        error.textContent = "";
        const list = dialog.querySelector("#clear-preview");
        list.innerHTML = `<li class="muted">…</li>`;
        try {
          const result = await api(`/api/v2/dags/${enc(dagId)}/clearTaskInstances`, { method: "POST", body: body(true, dialog) });
          list.innerHTML = previewList(result.task_instances).replaceAll("preview-item", "preview-item clear-item");
          dialog.querySelector("#clear-dialog-submit").disabled = result.task_instances.length === 0;
        } catch (e) {
          list.innerHTML = "";
          error.textContent = e.message;
        }
      };
      for (const id of ["#clear-upstream", "#clear-downstream", "#clear-only-failed"]) dialog.querySelector(id).onchange = preview;
      preview();
    },
    onSubmit: async dialog => {
      const result = await api(`/api/v2/dags/${enc(dagId)}/clearTaskInstances`, { method: "POST", body: body(false, dialog) });
      show(`Cleared ${result.task_instances.length} task instance${result.task_instances.length === 1 ? "" : "s"}.`);
      return result;
    },
  });
}

function openMark(dagId, runId, taskId, mapIndex, state) {
  const path = `${runBase(dagId, runId)}/taskInstances/${enc(taskId)}`;
  const query = mapIndex >= 0 ? `?map_index=${mapIndex}` : "";
  const body = dialog => ({
    new_state: state,
    include_upstream: dialog.querySelector("#mark-upstream").checked, include_downstream: dialog.querySelector("#mark-downstream").checked,
    include_past: dialog.querySelector("#mark-past").checked, include_future: dialog.querySelector("#mark-future").checked,
  });
  return modal({
    id: "mark-dialog", title: `Mark ${taskId}${mapIndex >= 0 ? `[${mapIndex}]` : ""} · ${runId} as ${state}`, submit: `Mark ${state}`, danger: state === "failed",
    body: `
      <div class="toolbar">
        <label><input type="checkbox" id="mark-upstream"> Upstream</label>
        <label><input type="checkbox" id="mark-downstream"> Downstream</label>
        <label><input type="checkbox" id="mark-past"> Past</label>
        <label><input type="checkbox" id="mark-future"> Future</label>
      </div>
      <p class="muted">These task instances will be marked ${esc(state)}:</p>
      <ul class="preview" id="mark-preview"></ul>`,
    onOpen: (dialog, error) => {
      const preview = async () => {
        error.textContent = "";
        const list = dialog.querySelector("#mark-preview");
        try {
          const result = await api(`${path}/dry_run${query}`, { method: "PATCH", body: body(dialog) });
          list.innerHTML = previewList(result.task_instances).replaceAll("preview-item", "preview-item mark-item");
          dialog.querySelector("#mark-dialog-submit").disabled = result.task_instances.length === 0;
        } catch (e) {
          list.innerHTML = "";
          error.textContent = e.message;
        }
      };
      for (const id of ["#mark-upstream", "#mark-downstream", "#mark-past", "#mark-future"]) dialog.querySelector(id).onchange = preview;
      preview();
    },
    onSubmit: async dialog => {
      const result = await api(`${path}${query}`, { method: "PATCH", body: body(dialog) });
      show(`Marked ${result.total_entries ?? result.task_instances?.length ?? 1} task instance${(result.total_entries ?? 1) === 1 ? "" : "s"} ${state}.`);
      return result;
    },
  });
}
