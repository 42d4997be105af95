// Assets (their events and the DAGs they start) and the approvals waiting for an answer (human-in-the-loop tasks).

import { api, enc, esc, when, show, every, session, pager, modal, facts } from "./core.js";

export async function assetsView() {
  const view = document.getElementById("view");
  const params = new URLSearchParams(location.search);
  const offset = Number(params.get("offset") ?? 0) || 0;
  const selected = params.get("asset");
  // New assets and events show up without a reload; nothing here is typed into, so a full redraw is safe.
  const load = async () => {
    const page = await api(`/api/v2/assets?limit=50&offset=${offset}&order_by=name`);
    view.innerHTML = `
      <h1>Assets</h1>
      <div class="dag-body">
        <div class="dag-main">
          <table class="list" id="assets"><thead><tr><th>Asset</th><th>Group</th><th>Produced by</th><th>Starts</th><th>Last event</th></tr></thead><tbody>
          ${page.assets.map(a => `<tr data-asset-id="${a.id}" ${String(a.id) === selected ? `class="selected"` : ""}>
            <td><a href="/assets?asset=${a.id}" data-link class="asset-link">${esc(a.name)}</a><div class="muted small">${esc(a.uri)}</div></td><td>${esc(a.group)}</td>
            <td>${a.producing_tasks.map(t => `<a href="/dags/${enc(t.dag_id)}" data-link>${esc(t.dag_id)}</a>.${esc(t.task_id)}`).join("<br>")}</td>
            <td>${a.scheduled_dags.map(d => `<a href="/dags/${enc(d.dag_id)}" data-link>${esc(d.dag_id)}</a>`).join("<br>")}</td>
            <td>${when(a.last_asset_event?.timestamp)}</td></tr>`).join("") || `<tr><td colspan="5" class="muted">No assets yet: a task's outlets or a DAG's schedule declare them.</td></tr>`}
          </tbody></table>
          <div class="pager">${pager(page.total_entries, offset, 50, o => `/assets?offset=${o}`)}</div>
        </div>
        <aside class="side-panel" id="asset-panel" ${selected ? "" : "hidden"}></aside>
      </div>`;
    if (selected) await assetPanel(Number(selected));
  };
  await load();
  every(5000, () => document.querySelector("dialog[open]") ? Promise.resolve() : load());
}

async function assetPanel(id) {
  const box = document.getElementById("asset-panel");
  const [asset, events] = await Promise.all([api(`/api/v2/assets/${id}`), api(`/api/v2/assets/events?asset_id=${id}&limit=25&order_by=-timestamp`)]);
  box.innerHTML = `
    <div class="panel-head"><strong>${esc(asset.name)}</strong><a href="/assets" data-link aria-label="Close the panel">×</a></div>
    <dl class="facts">${facts([["URI", `<code>${esc(asset.uri)}</code>`], ["Group", esc(asset.group)], ["Extra", `<code>${esc(JSON.stringify(asset.extra ?? {}))}</code>`],
      ["Aliases", esc(asset.aliases.map(a => a.name).join(", "))]])}</dl>
    <div class="toolbar">
      ${session.me.can.create_asset_event ? `<button type="button" id="asset-event-add">Record an event…</button>` : ""}
      ${asset.producing_tasks.length && session.me.can.materialize ? `<button type="button" id="asset-materialize">Materialize</button>` : ""}
    </div>
    <h2>Events</h2>
    <ul class="events" id="asset-events">${events.asset_events.map(e => `<li class="asset-event"><strong>${when(e.timestamp)}</strong>
      ${e.source_dag_id ? `from <a href="/dags/${enc(e.source_dag_id)}/runs?run=${enc(e.source_run_id)}" data-link>${esc(e.source_dag_id)}</a>.${esc(e.source_task_id)}` : `<span class="muted">from outside</span>`}
      ${e.created_dagruns?.length ? `<div class="small">started ${e.created_dagruns.map(r => `<a href="/dags/${enc(r.dag_id)}/runs?run=${enc(r.run_id)}" data-link>${esc(r.dag_id)}</a>`).join(", ")}</div>` : ""}
      ${e.extra && Object.keys(e.extra).length ? `<div><code class="small">${esc(JSON.stringify(e.extra))}</code></div>` : ""}</li>`).join("") || `<li class="muted">No events yet.</li>`}</ul>`;
  box.querySelector("#asset-event-add")?.addEventListener("click", async () => {
    const done = await modal({
      id: "asset-event-dialog", title: `Record an event of ${asset.name}`, submit: "Record",
      body: `<label for="asset-event-extra">Extra (JSON object)</label><textarea id="asset-event-extra" spellcheck="false">{}</textarea>`,
      onSubmit: async dialog => {
        let extra;
        try { extra = JSON.parse(dialog.querySelector("#asset-event-extra").value || "{}"); } catch (e) { throw new Error(`Not valid: ${e.message}`); }
        if (extra === null || typeof extra !== "object" || Array.isArray(extra)) throw new Error("Not valid: the extra must be a JSON object.");
        return api("/api/v2/assets/events", { method: "POST", body: { asset_id: asset.id, extra } });
      },
    });
    if (done) { show(`Recorded an event of ${asset.name}.`); await assetPanel(id); }
  });
  box.querySelector("#asset-materialize")?.addEventListener("click", async () => {
    try {
      const run = await api(`/api/v2/assets/${asset.id}/materialize`, { method: "POST", body: {} });
      show(`Materializing ${asset.name}: ${run.dag_id} ${run.dag_run_id}`);
    } catch (e) {
      show(e.message, "error");
    }
  });
}

// ---- approvals ----------------------------------------------------------------------------------------------------

export async function approvalsView() {
  const view = document.getElementById("view");
  view.innerHTML = `<h1>Approvals</h1><div id="approvals-pending"></div><h2>Answered</h2><div id="approvals-answered"></div>`;
  const load = async () => {
    const [pending, answered] = await Promise.all([
      api("/api/v2/hitlDetails/?response_received=false&limit=50"),
      api("/api/v2/hitlDetails/?response_received=true&limit=20"),
    ]);
    const box = document.getElementById("approvals-pending");
    if (!box) return;
    // Redraw the waiting list only when it changed: someone may be typing an answer.
    const key = pending.hitl_details.map(h => `${h.task_instance?.id}`).join(",");
    if (box.dataset.key !== key) {
      box.dataset.key = key;
      box.innerHTML = pending.hitl_details.map(card).join("") || `<p class="muted" id="no-approvals">Nothing is waiting for an answer.</p>`;
      for (const form of box.querySelectorAll("form.approval")) bind(form, pending.hitl_details.find(h => h.task_instance?.id === form.dataset.id), load);
    }
    document.getElementById("approvals-answered").innerHTML = answered.hitl_details.map(h => `
      <div class="card answered"><strong>${esc(h.subject)}</strong> <span class="muted">${esc(h.task_instance?.dag_id)}.${esc(h.task_instance?.task_id)} · ${esc(h.task_instance?.dag_run_id)}</span>
        <div>${esc((h.chosen_options ?? []).join(", "))} — ${h.responded_by_user ? `by ${esc(h.responded_by_user.name)}` : "by its defaults (timed out)"} ${when(h.responded_at)}</div></div>`).join("")
      || `<p class="muted">No answers yet.</p>`;
  };
  await load();
  every(3000, load);
}

function card(h) {
  const ti = h.task_instance ?? {};
  const inputs = Object.entries(h.params ?? {});
  return `
    <form class="card approval" data-id="${esc(ti.id)}">
      <h2>${esc(h.subject)}</h2>
      <div class="muted small"><a href="/dags/${enc(ti.dag_id)}?run=${enc(ti.dag_run_id)}&task=${enc(ti.task_id)}" data-link>${esc(ti.dag_id)}.${esc(ti.task_id)}</a> · ${esc(ti.dag_run_id)}
        ${h.timeout_at ? ` · answer by ${when(h.timeout_at)}` : ""}${h.defaults?.length ? ` (then: ${esc(h.defaults.join(", "))})` : ""}</div>
      ${h.body ? `<p>${esc(h.body)}</p>` : ""}
      ${inputs.map(([name, value]) => `<div class="field"><label for="hitl-${esc(ti.id)}-${esc(name)}">${esc(name)}</label>
        <input type="text" id="hitl-${esc(ti.id)}-${esc(name)}" data-param="${esc(name)}" value="${esc(typeof value === "string" ? value : JSON.stringify(value))}"></div>`).join("")}
      <div class="options" role="group" aria-label="Answer">
        ${h.options.map(o => h.multiple
          ? `<label><input type="checkbox" name="option" value="${esc(o)}"> ${esc(o)}</label>`
          : `<button type="submit" name="option" value="${esc(o)}" class="${h.defaults?.includes(o) ? "primary" : ""}">${esc(o)}</button>`).join("")}
        ${h.multiple ? `<button type="submit" class="primary">Answer</button>` : ""}
      </div>
      <div class="form-error" role="alert"></div>
    </form>`;
}

function bind(form, h, reload) {
  form.onsubmit = async event => {
    event.preventDefault();
    const ti = h.task_instance;
    const chosen = h.multiple ? [...form.querySelectorAll("input[name=option]:checked")].map(i => i.value) : [event.submitter?.value].filter(Boolean);
    const paramsInput = {};
    for (const input of form.querySelectorAll("[data-param]")) {
      const original = h.params[input.dataset.param];
      if (typeof original === "string") paramsInput[input.dataset.param] = input.value;
      else { try { paramsInput[input.dataset.param] = JSON.parse(input.value); } catch { paramsInput[input.dataset.param] = input.value; } }
    }
    try {
      const query = ti.map_index >= 0 ? `?map_index=${ti.map_index}` : "";
      await api(`/api/v2/hitlDetails/${enc(ti.dag_id)}/${enc(ti.dag_run_id)}/${enc(ti.task_id)}${query}`, { method: "PATCH", body: { chosen_options: chosen, params_input: paramsInput } });
      show(`Answered ${h.subject}: ${chosen.join(", ")}`);
      await reload();
    } catch (e) {
      form.querySelector(".form-error").textContent = e.message;
    }
  };
}
