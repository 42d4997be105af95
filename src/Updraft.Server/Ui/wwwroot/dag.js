// The DAG page: a header with its actions and tabs — grid, graph, Gantt, code, details, runs — each its own URL
// (/dags/{id}, /dags/{id}/graph, …), with the run / task panel in the query so a view can be shared.

import { api, enc, esc, when, seconds, every, failed, whoAmI, stateClass, badge, facts, pager, go, setQuery, STATES, POLL_MS } from "./core.js";
import { openTrigger, setPaused } from "./dags.js";
import { drawPanel } from "./panel.js";
import { drawGraph } from "./graph.js";

const TABS = [["grid", "Grid"], ["graph", "Graph"], ["gantt", "Gantt"], ["code", "Code"], ["details", "Details"], ["runs", "Runs"]];

export async function dagView(dagId, tab) {
  const view = document.getElementById("view");
  let dag;
  try {
    dag = await api(`/api/v2/dags/${enc(dagId)}`);
  } catch (e) {
    view.innerHTML = `<h1>DAG not found</h1><p id="not-found">${esc(e.status === 404 ? `There is no DAG '${dagId}' (or you may not see it).` : e.message)}</p><p><a href="/" data-link>All DAGs</a></p>`;
    return;
  }
  const rights = (await whoAmI([dagId])).dags[dagId] ?? {};
  const params = new URLSearchParams(location.search);
  const keep = params.get("run") ? `?run=${enc(params.get("run"))}` : "";
  view.innerHTML = `
    <h1><label class="switch" title="Active"><input type="checkbox" class="pause-toggle" aria-label="Active: ${esc(dagId)}" ${dag.is_paused ? "" : "checked"} ${rights.pause ? "" : "disabled"}><span></span></label>
      <span id="dag-title">${esc(dagId)}</span>
      <span class="muted">${esc(dag.timetable_summary ?? "")}</span>
      ${rights.trigger ? `<button type="button" class="trigger primary">Trigger</button>` : ""}</h1>
    <nav class="tabs" aria-label="DAG views">${TABS.map(([id, label]) =>
      `<a href="/dags/${enc(dagId)}${id === "grid" ? "" : `/${id}`}${id === "details" || id === "code" ? "" : keep}" data-link data-tab="${id}" ${id === tab ? `aria-current="page"` : ""}>${label}</a>`).join("")}</nav>
    <div class="dag-body">
      <div class="dag-main" id="dag-main"></div>
      <aside id="side-panel" class="side-panel" hidden></aside>
    </div>`;
  view.querySelector(".pause-toggle").onchange = e => setPaused(dagId, !e.target.checked);
  const panel = { dagId, rights, open: null };
  if (params.get("task") && params.get("run")) {
    panel.open = { kind: "ti", runId: params.get("run"), taskId: params.get("task"), mapIndex: Number(params.get("map") ?? -1) };
  } else if (params.get("run") && tab === "runs") {
    panel.open = { kind: "run", runId: params.get("run") };
  }
  const openTask = (runId, taskId) => {
    panel.open = { kind: "ti", runId, taskId, mapIndex: -1 };
    setQuery({ run: runId, task: taskId, map: null });
    drawPanel(panel).catch(failed);
  };
  const openRun = runId => {
    panel.open = { kind: "run", runId };
    setQuery({ run: runId, task: null, map: null });
    drawPanel(panel).catch(failed);
  };
  const main = document.getElementById("dag-main");
  const draw = {
    grid: () => drawGrid(dagId, main, openTask),
    graph: () => drawGraph(dagId, main, panel, openTask),
    gantt: () => drawGantt(dagId, main, openTask),
    code: () => drawCode(dagId, main),
    details: () => drawDetails(dagId, main),
    runs: () => drawRuns(dagId, main, openRun),
  }[tab];
  const load = async () => {
    await draw();
    if (panel.open) await drawPanel(panel);
  };
  const trigger = view.querySelector(".trigger");
  if (trigger) trigger.onclick = () => openTrigger(dagId, load);
  await load();
  if (tab !== "code" && tab !== "details") every(POLL_MS, load);
}

/** The run a view shows: the one in the URL, else the latest. */
async function chosenRun(dagId) {
  const wanted = new URLSearchParams(location.search).get("run");
  const latest = (await api(`/api/v2/dags/${enc(dagId)}/dagRuns?limit=25&order_by=-run_after`)).dag_runs;
  return { runs: latest, run: latest.find(r => r.dag_run_id === wanted) ?? (wanted ? await api(`/api/v2/dags/${enc(dagId)}/dagRuns/${enc(wanted)}`) : latest[0]) };
}

function runPicker(runs, run) {
  const list = runs.some(r => r.dag_run_id === run?.dag_run_id) || !run ? runs : [run, ...runs];
  return `<label for="run-pick">Run</label><select id="run-pick">${list.map(r => `<option value="${esc(r.dag_run_id)}" ${r.dag_run_id === run?.dag_run_id ? "selected" : ""}>${esc(when(r.run_after))} · ${esc(r.dag_run_id)} · ${esc(r.state)}</option>`).join("")}</select>`;
}

export function bindRunPicker(main, redraw) {
  const pick = main.querySelector("#run-pick");
  if (pick) pick.onchange = () => { setQuery({ run: pick.value, task: null, map: null }); redraw(); };
}

// ---- grid -------------------------------------------------------------------------------------------------------

const collapsed = new Set();

async function drawGrid(dagId, main, openTask) {
  const data = await api(`/ui/grid/${enc(dagId)}?limit=25`);
  if (!main.querySelector("#grid")) {
    main.innerHTML = `<div class="grid-wrap"><table class="grid" id="grid"></table></div>
      <div class="legend">${STATES.map(s => `<span><span class="dot ${stateClass(s)}"></span>${s}</span>`).join("")}</div>`;
    main.querySelector("#grid").addEventListener("click", event => {
      const cell = event.target.closest("td.ti");
      if (cell && !cell.classList.contains("group-cell")) openTask(cell.dataset.runId, cell.closest("tr").dataset.taskId);
      const runCell = event.target.closest(".run-state");
      if (runCell) go(`/dags/${enc(dagId)}/runs?run=${enc(runCell.dataset.runId)}`);
    });
    main.querySelector("#grid").addEventListener("keydown", event => {
      if ((event.key === "Enter" || event.key === " ") && event.target.matches("td.ti:not(.group-cell), .run-state")) {
        event.preventDefault();
        event.target.click();
      }
    });
  }
  const grid = main.querySelector("#grid");
  const runs = data.runs;
  if (!runs.length) {
    grid.innerHTML = `<tr><td class="muted" id="no-runs">No runs yet.</td></tr>`;
    return;
  }
  // A node is hidden when a group above it is collapsed.
  const parents = new Map(data.nodes.map(n => [n.id, n.parent]));
  const hidden = node => { for (let p = node.parent; p; p = parents.get(p)) if (collapsed.has(`${dagId}\u0000${p}`)) return true; return false; };
  const longest = Math.max(1, ...runs.map(r => r.start_date && r.end_date ? (new Date(r.end_date) - new Date(r.start_date)) : 0));
  const header = `<tr><th></th>${runs.map(r => `<th class="run" data-run-id="${esc(r.dag_run_id)}" title="${esc(r.dag_run_id)}">${esc(when(r.run_after ?? r.logical_date))}</th>`).join("")}</tr>`;
  const runRow = `<tr class="run-row"><th class="task muted">Runs</th>${runs.map(r => {
    const ms = r.start_date ? ((r.end_date ? new Date(r.end_date) : new Date()) - new Date(r.start_date)) : 0;
    const height = Math.max(6, Math.round(34 * Math.min(1, ms / longest)));
    return `<td class="run-bar"><div class="run-state ${stateClass(r.state)}" tabindex="0" role="button" data-run-id="${esc(r.dag_run_id)}" data-state="${esc(r.state)}" title="${esc(r.dag_run_id)}: ${esc(r.state)}" style="height:${height}px"></div></td>`;
  }).join("")}</tr>`;
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
      return `<td class="ti ${stateClass(state)}${isGroup ? " group-cell" : ""}" ${isGroup ? "" : `tabindex="0" role="button"`} data-run-id="${esc(r.dag_run_id)}" data-state="${esc(state)}" title="${esc(n.label)} · ${esc(r.dag_run_id)} · ${esc(detail)}" aria-label="${esc(n.label)}, ${esc(r.dag_run_id)}: ${esc(detail)}"></td>`;
    }).join("");
    return `<tr data-${isGroup ? "group-id" : "task-id"}="${esc(n.id)}"><th class="task" style="padding-left:${n.depth * 14}px">${name}</th>${cells}</tr>`;
  }).join("");
  const focused = document.activeElement?.closest?.("#grid") ? [document.activeElement.closest("tr")?.dataset.taskId, document.activeElement.dataset.runId] : null;
  grid.innerHTML = header + runRow + rows;
  if (focused?.[0]) grid.querySelector(`tr[data-task-id="${CSS.escape(focused[0])}"] td.ti[data-run-id="${CSS.escape(focused[1])}"]`)?.focus();
  for (const toggle of grid.querySelectorAll(".group-toggle")) {
    toggle.onclick = () => {
      const key = `${dagId}\u0000${toggle.dataset.group}`;
      if (collapsed.has(key)) collapsed.delete(key); else collapsed.add(key);
      drawGrid(dagId, main, openTask).catch(failed);
    };
  }
}

// ---- Gantt ------------------------------------------------------------------------------------------------------

async function drawGantt(dagId, main, openTask) {
  const { runs, run } = await chosenRun(dagId);
  if (!run) {
    main.innerHTML = `<p class="muted" id="no-runs">No runs yet.</p>`;
    return;
  }
  const tis = (await api(`/api/v2/dags/${enc(dagId)}/dagRuns/${enc(run.dag_run_id)}/taskInstances?limit=1000&order_by=start_date`)).task_instances;
  const now = Date.now();
  const started = tis.filter(t => t.start_date);
  const t0 = Math.min(...[run.start_date, ...started.map(t => t.queued_when ?? t.start_date)].filter(Boolean).map(d => new Date(d).getTime()), now);
  const t1 = Math.max(...[run.end_date, ...started.map(t => t.end_date)].filter(Boolean).map(d => new Date(d).getTime()), t0 + 1000, run.end_date ? 0 : now);
  const span = t1 - t0;
  const pct = ms => `${(100 * (ms - t0) / span).toFixed(3)}%`;
  const width = (a, b) => `${Math.max(0.3, 100 * (b - a) / span).toFixed(3)}%`;
  const rows = tis.map(t => {
    const label = `${t.task_id}${t.map_index >= 0 ? `[${t.map_index}]` : ""}`;
    const start = t.start_date ? new Date(t.start_date).getTime() : null;
    const end = t.end_date ? new Date(t.end_date).getTime() : (start ? now : null);
    const queued = t.queued_when ? new Date(t.queued_when).getTime() : null;
    const bars = start === null ? "" :
      `${queued && queued < start ? `<div class="bar queued-bar" style="left:${pct(queued)};width:${width(queued, start)}" title="queued ${seconds((start - queued) / 1000)}"></div>` : ""}
       <div class="bar ${stateClass(t.state)}" style="left:${pct(start)};width:${width(start, end)}" title="${esc(label)}: ${esc(t.state ?? "none")}, ${seconds((end - start) / 1000)}"></div>`;
    return `<div class="gantt-row" data-task-id="${esc(t.task_id)}" data-map-index="${t.map_index}"><button type="button" class="gantt-label" title="${esc(label)}">${esc(label)}</button><div class="gantt-track">${bars}</div></div>`;
  }).join("");
  main.innerHTML = `
    <div class="toolbar">${runPicker(runs, run)} <span class="muted">${esc(when(new Date(t0).toISOString()))} → ${esc(when(new Date(t1).toISOString()))} (${seconds(span / 1000)})</span></div>
    <div class="gantt" id="gantt">${rows || `<p class="muted">No task of this run has started.</p>`}</div>`;
  bindRunPicker(main, () => drawGantt(dagId, main, openTask).catch(failed));
  for (const row of main.querySelectorAll(".gantt-row")) {
    row.querySelector(".gantt-label").onclick = () => openTask(run.dag_run_id, row.dataset.taskId);
  }
}

// ---- code -------------------------------------------------------------------------------------------------------

async function drawCode(dagId, main) {
  const wanted = new URLSearchParams(location.search).get("version");
  const versions = (await api(`/api/v2/dags/${enc(dagId)}/dagVersions?limit=100&order_by=-version_number`)).dag_versions;
  const number = wanted ? Number(wanted) : versions[0]?.version_number;
  const source = await api(`/api/v2/dagSources/${enc(dagId)}${number ? `?version_number=${number}` : ""}`);
  const lines = (source.content ?? "").split("\n");
  main.innerHTML = `
    <div class="toolbar">
      <label for="version-pick">Version</label>
      <select id="version-pick">${versions.map(v => `<option value="${v.version_number}" ${v.version_number === source.version_number ? "selected" : ""}>${v.version_number} · ${esc(when(v.created_at))}</option>`).join("")}</select>
      <span class="muted">${esc(versions.find(v => v.version_number === source.version_number)?.bundle_name ?? "")}</span>
    </div>
    <pre class="code" id="code"><code>${lines.map((l, i) => `<span class="line"><span class="ln" aria-hidden="true">${i + 1}</span>${esc(l)}</span>`).join("\n")}</code></pre>`;
  main.querySelector("#version-pick").onchange = e => go(`/dags/${enc(dagId)}/code?version=${e.target.value}`);
}

// ---- details ----------------------------------------------------------------------------------------------------

async function drawDetails(dagId, main) {
  const [d, docs] = await Promise.all([api(`/api/v2/dags/${enc(dagId)}/details`), api(`/ui/docs/${enc(dagId)}`)]);
  const params = Object.entries(d.params ?? {});
  main.innerHTML = `
    <div class="details">
      <section>
        <h2>About</h2>
        <dl class="facts" id="dag-facts">${facts([
          ["Schedule", esc(d.timetable_summary ?? "")], ["Description", esc(d.description ?? "")], ["Next run", when(d.next_dagrun_run_after)],
          ["Start date", when(d.start_date)], ["End date", when(d.end_date)], ["Catchup", d.catchup ? "yes" : "no"], ["Time zone", esc(d.timezone ?? "")],
          ["Max active runs", esc(d.max_active_runs)], ["Max active tasks", esc(d.max_active_tasks ?? d.concurrency)],
          ["Owners", esc((d.owners ?? []).join(", "))], ["Tags", (d.tags ?? []).map(t => `<span class="tag">${esc(t.name)}</span>`).join("")],
          ["File", `<code>${esc(d.fileloc ?? "")}</code>`], ["Version", esc(d.latest_dag_version?.version_number ?? "")], ["Last parsed", when(d.last_parsed)],
          d.asset_expression ? ["Waits for", `<code>${esc(JSON.stringify(d.asset_expression))}</code>`] : null,
        ])}</dl>
      </section>
      <section>
        <h2>Params</h2>
        ${params.length ? `<table class="list compact" id="dag-params"><thead><tr><th>Name</th><th>Type</th><th>Default</th><th>Description</th></tr></thead><tbody>
          ${params.map(([name, p]) => `<tr><td><code>${esc(name)}</code></td><td>${esc(p.schema?.type ?? "any")}${p.schema?.enum ? ` (${esc(p.schema.enum.map(v => JSON.stringify(v)).join(", "))})` : ""}</td><td><code>${esc(JSON.stringify(p.value ?? null))}</code></td><td>${esc(p.description ?? "")}</td></tr>`).join("")}
        </tbody></table>` : `<p class="muted">This DAG has no params.</p>`}
      </section>
      <section class="wide">
        <h2>Documentation</h2>
        <div class="markdown" id="dag-docs">${docs.doc_html || `<p class="muted">This DAG has no documentation (set <code>DocMd</code>).</p>`}</div>
      </section>
    </div>`;
}

// ---- runs -------------------------------------------------------------------------------------------------------

async function drawRuns(dagId, main, openRun) {
  const params = new URLSearchParams(location.search);
  const state = params.get("state") ?? "";
  const type = params.get("run_type") ?? "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const limit = 25;
  let query = `limit=${limit}&offset=${offset}&order_by=-run_after`;
  if (state) query += `&state=${enc(state)}`;
  if (type) query += `&run_type=${enc(type)}`;
  const page = await api(`/api/v2/dags/${enc(dagId)}/dagRuns?${query}`);
  const href = changes => {
    const q = new URLSearchParams({ state, run_type: type, offset: String(offset), ...changes });
    for (const [k, v] of [...q]) if (!v || (k === "offset" && v === "0")) q.delete(k);
    return `/dags/${enc(dagId)}/runs${q.size ? `?${q}` : ""}`;
  };
  if (!main.querySelector("#runs-table")) {
    main.innerHTML = `
      <div class="toolbar">
        <select id="runs-state" aria-label="State"><option value="">Any state</option>${["queued", "running", "success", "failed"].map(s => `<option ${s === state ? "selected" : ""}>${s}</option>`).join("")}</select>
        <select id="runs-type" aria-label="Run type"><option value="">Any type</option>${["scheduled", "manual", "backfill", "asset_triggered"].map(s => `<option ${s === type ? "selected" : ""}>${s}</option>`).join("")}</select>
        <span class="muted" id="runs-count"></span>
      </div>
      <table class="list" id="runs-table"><thead><tr><th>State</th><th>Run</th><th>Type</th><th>Run after</th><th>Started</th><th>Duration</th></tr></thead><tbody></tbody></table>
      <div class="pager" id="runs-pager"></div>`;
    main.querySelector("#runs-state").onchange = e => go(href({ state: e.target.value, offset: "0" }));
    main.querySelector("#runs-type").onchange = e => go(href({ run_type: e.target.value, offset: "0" }));
    main.querySelector("#runs-table").addEventListener("click", e => {
      const link = e.target.closest("a.run-link");
      if (link) { e.preventDefault(); openRun(link.dataset.runId); }
    });
  }
  main.querySelector("#runs-table tbody").innerHTML = page.dag_runs.map(r => `
    <tr data-run-id="${esc(r.dag_run_id)}"><td>${badge(r.state)}</td><td><a class="run-link" href="${href({})}${href({}).includes("?") ? "&" : "?"}run=${enc(r.dag_run_id)}" data-run-id="${esc(r.dag_run_id)}">${esc(r.dag_run_id)}</a></td>
      <td>${esc(r.run_type)}</td><td>${when(r.run_after)}</td><td>${when(r.start_date)}</td><td>${seconds(r.duration)}</td></tr>`).join("")
    || `<tr><td colspan="6" class="muted">No run matches.</td></tr>`;
  main.querySelector("#runs-count").textContent = `${page.total_entries} run${page.total_entries === 1 ? "" : "s"}`;
  main.querySelector("#runs-pager").innerHTML = pager(page.total_entries, offset, limit, o => href({ offset: String(o) }));
}
