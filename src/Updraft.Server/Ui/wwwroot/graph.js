// The graph view: the server lays the DAG out (GET /ui/graph, a layered layout with crossing reduction, groups
// collapsed unless opened); this draws it as SVG with the chosen run's states, and zooms.

import { api, enc, esc, when, failed, setQuery, stateClass } from "./core.js";

const expanded = new Map();
let zoom = 1;

function pathOf(points) {
  if (points.length < 2) return "";
  // Straight segments between the layout's bend points, rounded at the bends.
  let d = `M${points[0][0]},${points[0][1]}`;
  for (let i = 1; i < points.length; i++) d += ` L${points[i][0]},${points[i][1]}`;
  return d;
}

/** The label cut to its box (the server sized the box for up to ~36 characters); the full id is in the tooltip. */
function fit(label, width) {
  const room = Math.max(4, Math.floor((width - 24) / 7.4));
  return label.length > room ? `${label.slice(0, room - 1)}…` : label;
}

export async function drawGraph(dagId, main, panel, openTask) {
  const open = expanded.get(dagId) ?? new Set();
  expanded.set(dagId, open);
  const wanted = new URLSearchParams(location.search).get("run");
  const query = new URLSearchParams();
  if (open.size) query.set("expanded", [...open].join(","));
  if (wanted) query.set("run_id", wanted);
  const data = await api(`/ui/graph/${enc(dagId)}${query.size ? `?${query}` : ""}`);
  if (!main.querySelector("#graph")) {
    main.innerHTML = `
      <div class="toolbar">
        <label for="run-pick">Run</label><select id="run-pick"></select>
        <span class="spacer"></span>
        <button type="button" id="graph-expand-all">Expand groups</button>
        <button type="button" id="graph-collapse-all">Collapse groups</button>
        <button type="button" id="zoom-out" aria-label="Zoom out">−</button>
        <button type="button" id="zoom-fit">Fit</button>
        <button type="button" id="zoom-in" aria-label="Zoom in">+</button>
      </div>
      <div class="graph-wrap" id="graph-wrap"><svg id="graph" role="img" aria-label="Graph of ${esc(dagId)}"></svg></div>`;
    const redraw = () => drawGraph(dagId, main, panel, openTask).catch(failed);
    main.querySelector("#run-pick").onchange = e => { setQuery({ run: e.target.value, task: null, map: null }); redraw(); };
    main.querySelector("#zoom-in").onclick = () => { zoom = Math.min(3, zoom * 1.25); redraw(); };
    main.querySelector("#zoom-out").onclick = () => { zoom = Math.max(0.1, zoom / 1.25); redraw(); };
    main.querySelector("#zoom-fit").onclick = () => {
      const wrap = main.querySelector("#graph-wrap");
      const svg = main.querySelector("#graph");
      zoom = Math.min(1.5, (wrap.clientWidth - 20) / Number(svg.dataset.width || 1));
      redraw();
    };
    main.querySelector("#graph-expand-all").onclick = () => { for (const g of main.querySelectorAll("[data-all-groups]")[0]?.dataset.allGroups.split("\n").filter(Boolean) ?? []) open.add(g); redraw(); };
    main.querySelector("#graph-collapse-all").onclick = () => { open.clear(); redraw(); };
    main.querySelector("#graph").addEventListener("click", event => {
      const node = event.target.closest("[data-node]");
      if (!node) return;
      if (node.dataset.kind === "group") {
        if (open.has(node.dataset.node)) open.delete(node.dataset.node); else open.add(node.dataset.node);
        redraw();
      } else if (main.querySelector("#graph").dataset.runId) {
        openTask(main.querySelector("#graph").dataset.runId, node.dataset.node);
      }
    });
    main.querySelector("#graph").addEventListener("keydown", event => {
      if ((event.key === "Enter" || event.key === " ") && event.target.matches("[data-node]")) {
        event.preventDefault();
        event.target.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      }
    });
  }
  const pick = main.querySelector("#run-pick");
  pick.innerHTML = data.runs.length
    ? data.runs.map(r => `<option value="${esc(r.dag_run_id)}" ${r.dag_run_id === data.run_id ? "selected" : ""}>${esc(when(r.run_after))} · ${esc(r.dag_run_id)} · ${esc(r.state)}</option>`).join("")
    : `<option value="">No runs yet</option>`;
  const svg = main.querySelector("#graph");
  svg.dataset.runId = data.run_id ?? "";
  svg.dataset.width = data.width;
  svg.dataset.allGroups = data.groups.join("\n");
  svg.setAttribute("width", Math.ceil(data.width * zoom));
  svg.setAttribute("height", Math.ceil(data.height * zoom));
  svg.setAttribute("viewBox", `0 0 ${data.width} ${data.height}`);
  const focused = document.activeElement?.dataset?.node;
  const groups = data.nodes.filter(n => n.kind === "group" && n.expanded);
  const boxes = data.nodes.filter(n => !(n.kind === "group" && n.expanded));
  svg.innerHTML = `
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow-head"></path></marker></defs>
    ${groups.map(g => `
      <g class="group open" data-node="${esc(g.id)}" data-kind="group" tabindex="0" role="button" aria-expanded="true" aria-label="Group ${esc(g.label)}: collapse">
        <rect x="${g.x}" y="${g.y}" width="${g.width}" height="${g.height}" rx="8"></rect>
        <text x="${g.x + 10}" y="${g.y + 16}">▾ ${esc(g.label)}</text>
      </g>`).join("")}
    <g class="edges">${data.edges.map(e => `<path d="${pathOf(e.points)}" marker-end="url(#arrow)" data-from="${esc(e.from)}" data-to="${esc(e.to)}"></path>`).join("")}</g>
    ${boxes.map(n => {
      const isGroup = n.kind === "group";
      const counts = n.counts ? Object.entries(n.counts).map(([s, c]) => `${s}: ${c}`).join(", ") : "";
      return `
      <g class="node ${isGroup ? "group closed" : "task"}" data-node="${esc(n.id)}" data-kind="${n.kind}" data-state="${esc(n.state ?? "none")}" tabindex="0" role="button"
         ${isGroup ? `aria-expanded="false" aria-label="Group ${esc(n.label)}: expand"` : `aria-label="${esc(n.label)}: ${esc(n.state ?? "no state")}"`}>
        <title>${esc(n.id)}${n.state ? ` · ${esc(n.state)}` : ""}${counts ? ` (${esc(counts)})` : ""}</title>
        <rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="6" class="box"></rect>
        <rect x="${n.x}" y="${n.y}" width="6" height="${n.height}" rx="3" class="${stateClass(n.state)} stripe"></rect>
        <text x="${n.x + 14}" y="${n.y + n.height / 2 + 4}">${esc(fit(`${isGroup ? "▸ " : ""}${n.label}${n.mapped ? " [ ]" : ""}`, n.width))}</text>
      </g>`;
    }).join("")}`;
  if (focused) svg.querySelector(`[data-node="${CSS.escape(focused)}"]`)?.focus();
}
