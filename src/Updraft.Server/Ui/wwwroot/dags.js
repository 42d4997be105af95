// The DAG list, and the trigger form every page opens (generated from the DAG's params, or raw conf JSON).

import { api, enc, esc, when, show, every, go, whoAmI, stateClass, session, pager, modal } from "./core.js";

export async function importErrors() {
  if (!session.me?.pages?.import_errors) return;
  const errors = await api("/api/v2/importErrors?limit=20");
  const box = document.getElementById("import-errors");
  if (!box) return;
  box.innerHTML = errors.total_entries
    ? `<div class="banner" id="import-error-banner"><strong>${errors.total_entries} DAG file${errors.total_entries === 1 ? "" : "s"} failed to load</strong>
        <ul>${errors.import_errors.map(e => `<li><code>${esc(e.filename)}</code>: ${esc(e.stack_trace)}</li>`).join("")}</ul></div>`
    : "";
}

export async function setPaused(dagId, paused) {
  try {
    await api(`/api/v2/dags/${enc(dagId)}`, { method: "PATCH", body: { is_paused: paused } });
    show(`${dagId} is ${paused ? "paused" : "active"}.`);
  } catch (e) {
    show(e.message, "error");
  }
}

export async function dagListView() {
  const params = new URLSearchParams(location.search);
  const search = params.get("search") ?? "";
  const filter = params.get("filter") ?? "all";
  const tag = params.get("tag") ?? "";
  const owner = params.get("owner") ?? "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const limit = 50;
  const href = (changes = {}) => {
    const q = new URLSearchParams({ search, filter, tag, owner, ...changes });
    for (const [k, v] of [...q]) if (!v || (k === "filter" && v === "all") || (k === "offset" && v === "0")) q.delete(k);
    const s = q.toString();
    return s ? `/?${s}` : "/";
  };
  const view = document.getElementById("view");
  view.innerHTML = `
    <h1>DAGs</h1>
    <div id="import-errors"></div>
    <div class="toolbar">
      <input id="dag-search" type="search" placeholder="Search DAGs" value="${esc(search)}" aria-label="Search DAGs">
      <select id="dag-filter" aria-label="Show">
        ${["all", "active", "paused", "failed"].map(f => `<option value="${f}" ${f === filter ? "selected" : ""}>${f[0].toUpperCase() + f.slice(1)}</option>`).join("")}
      </select>
      <select id="dag-tag" aria-label="Tag"><option value="">Any tag</option></select>
      <input id="dag-owner" type="search" placeholder="Owner" value="${esc(owner)}" aria-label="Owner">
      <span class="muted" id="dag-count"></span>
    </div>
    <table class="list" id="dag-table">
      <thead><tr><th>Active</th><th>DAG</th><th>Schedule</th><th>Next run</th><th>Recent runs</th><th>Owner</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <div class="pager" id="pager"></div>`;
  const searchBox = document.getElementById("dag-search");
  const ownerBox = document.getElementById("dag-owner");
  let typing;
  const typed = () => { clearTimeout(typing); typing = setTimeout(() => go(href({ search: searchBox.value, owner: ownerBox.value, offset: 0 })), 250); };
  searchBox.addEventListener("input", typed);
  ownerBox.addEventListener("input", typed);
  document.getElementById("dag-filter").onchange = e => go(href({ filter: e.target.value, offset: 0 }));
  const tags = document.getElementById("dag-tag");
  tags.onchange = e => go(href({ tag: e.target.value, offset: 0 }));
  api("/api/v2/dagTags?limit=1000").then(t => {
    tags.innerHTML = `<option value="">Any tag</option>` + t.tags.map(name => `<option ${name === tag ? "selected" : ""}>${esc(name)}</option>`).join("");
  }).catch(() => {});

  const load = async () => {
    let query = `limit=${limit}&offset=${offset}&order_by=dag_id`;
    if (search) query += `&dag_id_pattern=${enc(search)}`;
    if (tag) query += `&tags=${enc(tag)}`;
    if (owner) query += `&owners=${enc(owner)}`;
    if (filter === "active") query += "&paused=false";
    if (filter === "paused") query += "&paused=true";
    if (filter === "failed") query += "&last_dag_run_state=failed";
    const page = await api(`/api/v2/dags?${query}`);
    const ids = page.dags.map(d => d.dag_id);
    // The ten latest runs of each DAG on the page, in one call.
    const [rights, runs] = await Promise.all([
      whoAmI(ids),
      ids.length ? api(`/ui/recent-runs?dag_ids=${enc(ids.join(","))}&limit=10`) : { dag_runs: {} },
    ]);
    const recent = new Map(Object.entries(runs.dag_runs));
    const body = document.querySelector("#dag-table tbody");
    if (!body) return;
    body.innerHTML = page.dags.map(dag => {
      const can = rights.dags[dag.dag_id] ?? {};
      return `
        <tr data-dag-id="${esc(dag.dag_id)}">
          <td><label class="switch" title="${dag.is_paused ? "Paused: unpause" : "Active: pause"}">
            <input type="checkbox" class="pause-toggle" aria-label="Active: ${esc(dag.dag_id)}" ${dag.is_paused ? "" : "checked"} ${can.pause ? "" : "disabled"}><span></span></label></td>
          <td><a class="dag-link" href="/dags/${enc(dag.dag_id)}" data-link>${esc(dag.dag_id)}</a>
            <div>${(dag.tags ?? []).map(t => `<a class="tag" href="${href({ tag: t.name, offset: 0 })}" data-link>${esc(t.name)}</a>`).join("")}</div></td>
          <td>${esc(dag.timetable_summary ?? "")}</td>
          <td>${when(dag.next_dagrun_run_after)}</td>
          <td class="recent-runs">${(recent.get(dag.dag_id) ?? []).slice().reverse().map(r => `<a class="dot ${stateClass(r.state)}" href="/dags/${enc(dag.dag_id)}/runs?run=${enc(r.dag_run_id)}" data-link title="${esc(r.dag_run_id)}: ${esc(r.state)}" aria-label="${esc(r.dag_run_id)}: ${esc(r.state)}"></a>`).join("")}</td>
          <td class="muted">${esc((dag.owners ?? []).join(", "))}</td>
          <td>${can.trigger ? `<button type="button" class="trigger" aria-label="Trigger ${esc(dag.dag_id)}">Trigger</button>` : ""}</td>
        </tr>`;
    }).join("") || `<tr><td colspan="7" class="muted">No DAG matches.</td></tr>`;
    document.getElementById("dag-count").textContent = `${page.total_entries} DAG${page.total_entries === 1 ? "" : "s"}`;
    document.getElementById("pager").innerHTML = pager(page.total_entries, offset, limit, o => href({ offset: o }));
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

// ---- the trigger form -------------------------------------------------------------------------------------------

function paramField(name, p) {
  const schema = p.schema ?? {};
  const type = String(schema.type ?? "any").toLowerCase();
  const value = p.value;
  const id = `param-${name}`;
  const label = `<label for="${esc(id)}">${esc(schema.title ?? name)}${schema.has_default || schema.nullable ? "" : ` <span class="required" title="required">*</span>`}</label>`;
  // The rules the server checks, said up front.
  const rules = [
    schema.minimum != null && schema.maximum != null ? `from ${schema.minimum} to ${schema.maximum}` : schema.minimum != null ? `at least ${schema.minimum}` : schema.maximum != null ? `at most ${schema.maximum}` : "",
    schema.min_length != null ? `at least ${schema.min_length} characters` : "", schema.max_length != null ? `at most ${schema.max_length} characters` : "",
    schema.pattern ? `matching ${schema.pattern}` : "",
  ].filter(Boolean).join(", ");
  const help = p.description || rules ? `<div class="muted help">${esc([p.description, rules].filter(Boolean).join(" · "))}</div>` : "";
  let input;
  if (Array.isArray(schema.enum)) {
    input = `<select id="${esc(id)}" data-param="${esc(name)}" data-type="enum">${schema.nullable ? `<option value="__null__">(none)</option>` : ""}${schema.enum.map((v, i) => `<option value="${i}" ${JSON.stringify(v) === JSON.stringify(value) ? "selected" : ""}>${esc(typeof v === "string" ? v : JSON.stringify(v))}</option>`).join("")}</select>`;
  } else if (type === "boolean") {
    input = `<input type="checkbox" id="${esc(id)}" data-param="${esc(name)}" data-type="boolean" ${value ? "checked" : ""}>`;
  } else if (type === "integer" || type === "number") {
    input = `<input type="number" id="${esc(id)}" data-param="${esc(name)}" data-type="${type}" ${type === "integer" ? `step="1"` : `step="any"`} value="${value ?? ""}"
      ${schema.minimum != null ? `min="${schema.minimum}"` : ""} ${schema.maximum != null ? `max="${schema.maximum}"` : ""}>`;
  } else if (type === "array" || type === "object" || type === "any") {
    input = `<textarea id="${esc(id)}" data-param="${esc(name)}" data-type="${type}" spellcheck="false" rows="3">${esc(value === undefined || value === null ? "" : JSON.stringify(value, null, 2))}</textarea>`;
  } else {
    input = `<input type="text" id="${esc(id)}" data-param="${esc(name)}" data-type="string" value="${esc(value ?? "")}">`;
  }
  return `<div class="field">${label}${input}${help}<div class="field-error" id="${esc(id)}-error"></div></div>`;
}

/** The conf from the form's fields: a message under each field that cannot be read; the server checks the rules. */
function readParams(dialog, params) {
  const conf = {};
  let ok = true;
  for (const input of dialog.querySelectorAll("[data-param]")) {
    const name = input.dataset.param;
    const schema = params[name].schema ?? {};
    const error = dialog.querySelector(`#${CSS.escape(input.id)}-error`);
    error.textContent = "";
    const raw = input.value;
    try {
      switch (input.dataset.type) {
        case "enum": conf[name] = raw === "__null__" ? null : schema.enum[Number(raw)]; break;
        case "boolean": conf[name] = input.checked; break;
        case "integer":
        case "number":
          if (raw === "") { if (schema.nullable) conf[name] = null; else if (!schema.has_default) throw new Error("A value is required."); break; }
          if (input.dataset.type === "integer" && !/^-?\d+$/.test(raw)) throw new Error("Enter a whole number.");
          if (isNaN(Number(raw))) throw new Error("Enter a number.");
          conf[name] = Number(raw);
          break;
        case "string":
          if (raw === "" && schema.nullable) conf[name] = null; else conf[name] = raw;
          break;
        default:
          if (raw.trim() === "") { if (schema.nullable) conf[name] = null; break; }
          try { conf[name] = JSON.parse(raw); } catch (e) { throw new Error(`Not valid JSON: ${e.message}`); }
      }
    } catch (e) {
      error.textContent = e.message;
      ok = false;
    }
  }
  return ok ? conf : null;
}

export async function openTrigger(dagId, after) {
  let params = {};
  try {
    params = (await api(`/api/v2/dags/${enc(dagId)}/details`)).params ?? {};
  } catch (e) {
    show(e.message, "error");
    return;
  }
  const names = Object.keys(params);
  const run = await modal({
    id: "trigger-dialog",
    title: `Trigger ${dagId}`,
    submit: "Trigger",
    body: `
      ${names.length ? `<div class="tabs small" role="tablist">
          <button type="button" role="tab" id="trigger-tab-form" aria-selected="true">Params</button>
          <button type="button" role="tab" id="trigger-tab-json" aria-selected="false">JSON</button></div>` : ""}
      <div id="trigger-fields" ${names.length ? "" : "hidden"}>${names.map(n => paramField(n, params[n])).join("")}</div>
      <div id="trigger-raw" ${names.length ? "hidden" : ""}>
        <label for="trigger-conf">Configuration (JSON object)</label>
        <textarea id="trigger-conf" spellcheck="false">${esc(JSON.stringify(Object.fromEntries(names.map(n => [n, params[n].value ?? null])), null, 2))}</textarea>
      </div>
      <div class="field"><label for="trigger-note">Note</label><input type="text" id="trigger-note" placeholder="Optional"></div>
      <div class="form-error" id="trigger-error" role="alert"></div>`,
    onOpen: dialog => {
      const form = dialog.querySelector("#trigger-tab-form");
      const json = dialog.querySelector("#trigger-tab-json");
      if (!form) return;
      form.onclick = () => {
        dialog.querySelector("#trigger-error").textContent = "";
        form.setAttribute("aria-selected", "true"); json.setAttribute("aria-selected", "false");
        dialog.querySelector("#trigger-fields").hidden = false; dialog.querySelector("#trigger-raw").hidden = true;
      };
      json.onclick = () => {
        // The JSON starts from what the form holds.
        const conf = readParams(dialog, params);
        if (conf) dialog.querySelector("#trigger-conf").value = JSON.stringify(conf, null, 2);
        dialog.querySelector("#trigger-error").textContent = "";
        json.setAttribute("aria-selected", "true"); form.setAttribute("aria-selected", "false");
        dialog.querySelector("#trigger-fields").hidden = true; dialog.querySelector("#trigger-raw").hidden = false;
      };
    },
    onSubmit: async dialog => {
      const error = dialog.querySelector("#trigger-error");
      error.textContent = "";
      let conf;
      if (dialog.querySelector("#trigger-raw").hidden) {
        conf = readParams(dialog, params);
        if (!conf) return undefined;
      } else {
        try {
          conf = JSON.parse(dialog.querySelector("#trigger-conf").value || "{}");
          if (conf === null || typeof conf !== "object" || Array.isArray(conf)) throw new SyntaxError("the configuration must be a JSON object, such as {\"rows\": 10}");
        } catch (e) {
          error.textContent = `Not valid: ${e.message}`;
          return undefined;
        }
      }
      const note = dialog.querySelector("#trigger-note").value.trim();
      try {
        return await api(`/api/v2/dags/${enc(dagId)}/dagRuns`, { method: "POST", body: { logical_date: null, conf, ...(note ? { note } : {}) } });
      } catch (e) {
        error.textContent = e.message;
        return undefined;
      }
    },
  });
  if (run) {
    show(`Triggered ${dagId}: ${run.dag_run_id}`);
    if (after) await after(run);
  }
}
