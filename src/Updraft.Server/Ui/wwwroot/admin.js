// Admin pages: connections (passwords write-only), variables (secret values masked by the API), pools with their
// usage, the event log, the configuration (when the server exposes it) and the health of every component.

import { api, enc, esc, when, show, every, go, session, pager, modal, facts } from "./core.js";

export const ADMIN_PAGES = [
  ["connections", "Connections", "connections"], ["variables", "Variables", "variables"], ["pools", "Pools", "pools"],
  ["users", "Users", "users"], ["roles", "Roles", "roles"],
  ["events", "Event log", "event_log"], ["config", "Configuration", "config"], ["health", "Health", null],
];

export async function adminView(page) {
  const view = document.getElementById("view");
  const known = ADMIN_PAGES.find(p => p[0] === page);
  if (!known) {
    view.innerHTML = `<h1>Not found</h1><p id="not-found">There is no admin page '${esc(page)}'.</p>`;
    return;
  }
  view.innerHTML = `
    <h1>Admin</h1>
    <nav class="tabs" aria-label="Admin pages">${ADMIN_PAGES.filter(p => !p[2] || session.me.pages[p[2]]).map(([id, label]) =>
      `<a href="/admin/${id}" data-link ${id === page ? `aria-current="page"` : ""}>${label}</a>`).join("")}</nav>
    <div id="admin-main"></div>`;
  const main = document.getElementById("admin-main");
  if (known[2] && !session.me.pages[known[2]]) {
    main.innerHTML = `<p class="banner" id="forbidden">Your role may not see ${esc(known[1].toLowerCase())}.</p>`;
    return;
  }
  await { connections, variables, pools, users, roles, events, config, health }[page](main);
}

function field(id, label, value = "", { type = "text", textarea = false, placeholder = "", readonly = false } = {}) {
  const input = textarea
    ? `<textarea id="${id}" spellcheck="false" rows="4" placeholder="${esc(placeholder)}">${esc(value)}</textarea>`
    : `<input id="${id}" type="${type}" value="${esc(value)}" placeholder="${esc(placeholder)}" ${readonly ? "readonly" : ""} autocomplete="off">`;
  return `<div class="field"><label for="${id}">${esc(label)}</label>${input}</div>`;
}

const val = (dialog, id) => dialog.querySelector(`#${id}`).value;

// ---- connections ------------------------------------------------------------------------------------------------

async function connections(main) {
  const can = session.me.can;
  const load = async () => {
    const page = await api("/api/v2/connections?limit=100&order_by=connection_id");
    main.innerHTML = `
      <div class="toolbar">${can.edit_connections ? `<button type="button" class="primary" id="connection-add">Add connection</button>` : ""}<span class="muted">${page.total_entries} connection${page.total_entries === 1 ? "" : "s"}</span></div>
      <table class="list" id="connections"><thead><tr><th>Id</th><th>Type</th><th>Host</th><th>Port</th><th>Login</th><th>Password</th><th>Description</th><th></th></tr></thead><tbody>
      ${page.connections.map(c => `<tr data-connection-id="${esc(c.connection_id)}"><td><code>${esc(c.connection_id)}</code></td><td>${esc(c.conn_type)}</td><td>${esc(c.host ?? "")}</td><td>${esc(c.port ?? "")}</td>
        <td>${esc(c.login ?? "")}</td><td class="muted">${c.password ? "set" : ""}</td><td>${esc(c.description ?? "")}</td>
        <td class="row-actions">${can.edit_connections ? `<button type="button" class="edit">Edit</button><button type="button" class="delete danger-text">Delete</button>` : ""}</td></tr>`).join("")
        || `<tr><td colspan="8" class="muted">No connections.</td></tr>`}</tbody></table>`;
    main.querySelector("#connection-add")?.addEventListener("click", () => editConnection(null).then(done => done && load()));
    for (const row of main.querySelectorAll("tr[data-connection-id]")) {
      const id = row.dataset.connectionId;
      row.querySelector(".edit")?.addEventListener("click", () => editConnection(page.connections.find(c => c.connection_id === id)).then(done => done && load()));
      row.querySelector(".delete")?.addEventListener("click", () => remove(`connection ${id}`, `/api/v2/connections/${enc(id)}`).then(done => done && load()));
    }
  };
  await load();
}

function editConnection(c) {
  return modal({
    id: "connection-dialog", title: c ? `Edit connection ${c.connection_id}` : "Add connection", submit: "Save",
    body: `<div class="form-grid">
      ${field("conn-id", "Connection id", c?.connection_id ?? "", { readonly: !!c })}
      ${field("conn-type", "Type", c?.conn_type ?? "", { placeholder: "postgres, http, generic…" })}
      ${field("conn-host", "Host", c?.host ?? "")}
      ${field("conn-port", "Port", c?.port ?? "", { type: "number" })}
      ${field("conn-schema", "Schema", c?.schema ?? "")}
      ${field("conn-login", "Login", c?.login ?? "")}
      ${field("conn-password", "Password", "", { type: "password", placeholder: c?.password ? "unchanged (set)" : "" })}
      ${field("conn-description", "Description", c?.description ?? "")}</div>
      ${field("conn-extra", "Extra (JSON)", c?.extra ?? "", { textarea: true })}
      <p class="muted">Passwords are write-only: they are never shown again.</p>`,
    onSubmit: async dialog => {
      const id = val(dialog, "conn-id").trim();
      const body = {
        connection_id: id, conn_type: val(dialog, "conn-type").trim(), host: val(dialog, "conn-host") || null, schema: val(dialog, "conn-schema") || null,
        login: val(dialog, "conn-login") || null, port: val(dialog, "conn-port") ? Number(val(dialog, "conn-port")) : null,
        extra: val(dialog, "conn-extra") || null, description: val(dialog, "conn-description") || null,
      };
      const password = val(dialog, "conn-password");
      if (password) body.password = password; else if (c?.password) body.password = c.password;
      if (body.extra) { try { JSON.parse(body.extra); } catch (e) { throw new Error(`Extra is not valid JSON: ${e.message}`); } }
      const result = c
        ? await api(`/api/v2/connections/${enc(c.connection_id)}`, { method: "PATCH", body })
        : await api("/api/v2/connections", { method: "POST", body });
      show(`Saved connection ${id}.`);
      return result;
    },
  });
}

async function remove(what, path) {
  const done = await modal({
    id: "delete-dialog", title: `Delete ${what}?`, submit: "Delete", danger: true, body: `<p>This cannot be undone.</p>`,
    onSubmit: async () => { await api(path, { method: "DELETE" }); return true; },
  });
  if (done) show(`Deleted ${what}.`);
  return done;
}

// ---- variables --------------------------------------------------------------------------------------------------

async function variables(main) {
  const can = session.me.can;
  const params = new URLSearchParams(location.search);
  const offset = Number(params.get("offset") ?? 0) || 0;
  const search = params.get("search") ?? "";
  const load = async () => {
    const page = await api(`/api/v2/variables?limit=50&offset=${offset}&order_by=key${search ? `&variable_key_pattern=${enc(search)}` : ""}`);
    main.innerHTML = `
      <div class="toolbar">${can.edit_variables ? `<button type="button" class="primary" id="variable-add">Add variable</button>` : ""}
        <input type="search" id="variable-search" placeholder="Search keys" value="${esc(search)}" aria-label="Search keys">
        <span class="muted">${page.total_entries} variable${page.total_entries === 1 ? "" : "s"}</span></div>
      <table class="list" id="variables"><thead><tr><th>Key</th><th>Value</th><th>Description</th><th></th></tr></thead><tbody>
      ${page.variables.map(v => `<tr data-key="${esc(v.key)}"><td><code>${esc(v.key)}</code></td><td class="value-cell"><code>${esc(v.value)}</code></td><td>${esc(v.description ?? "")}</td>
        <td class="row-actions">${can.edit_variables ? `<button type="button" class="edit">Edit</button><button type="button" class="delete danger-text">Delete</button>` : ""}</td></tr>`).join("")
        || `<tr><td colspan="4" class="muted">No variables.</td></tr>`}</tbody></table>
      <div class="pager">${pager(page.total_entries, offset, 50, o => `/admin/variables?offset=${o}${search ? `&search=${enc(search)}` : ""}`)}</div>`;
    let typing;
    main.querySelector("#variable-search").addEventListener("input", e => { clearTimeout(typing); typing = setTimeout(() => go(`/admin/variables?search=${enc(e.target.value)}`), 300); });
    main.querySelector("#variable-add")?.addEventListener("click", () => editVariable(null).then(done => done && load()));
    for (const row of main.querySelectorAll("tr[data-key]")) {
      const v = page.variables.find(x => x.key === row.dataset.key);
      row.querySelector(".edit")?.addEventListener("click", () => editVariable(v).then(done => done && load()));
      row.querySelector(".delete")?.addEventListener("click", () => remove(`variable ${v.key}`, `/api/v2/variables/${enc(v.key)}`).then(done => done && load()));
    }
  };
  await load();
}

function editVariable(v) {
  const masked = v && v.value === "***";
  return modal({
    id: "variable-dialog", title: v ? `Edit variable ${v.key}` : "Add variable", submit: "Save",
    body: `${field("var-key", "Key", v?.key ?? "", { readonly: !!v })}
      ${field("var-value", "Value", masked ? "" : v?.value ?? "", { textarea: true, placeholder: masked ? "secret: unchanged unless you type a new value" : "" })}
      ${field("var-description", "Description", v?.description ?? "")}`,
    onSubmit: async dialog => {
      const key = val(dialog, "var-key").trim();
      const value = val(dialog, "var-value");
      if (!key) throw new Error("A key is required.");
      const body = { key, value: masked && value === "" ? "***" : value, description: val(dialog, "var-description") || null };
      const result = v
        ? await api(`/api/v2/variables/${enc(v.key)}`, { method: "PATCH", body })
        : await api("/api/v2/variables", { method: "POST", body });
      show(`Saved variable ${key}.`);
      return result;
    },
  });
}

// ---- pools ------------------------------------------------------------------------------------------------------

async function pools(main) {
  const can = session.me.can;
  const load = async () => {
    const page = await api("/api/v2/pools?limit=100&order_by=name");
    main.innerHTML = `
      <div class="toolbar">${can.edit_pools ? `<button type="button" class="primary" id="pool-add">Add pool</button>` : ""}</div>
      <table class="list" id="pools"><thead><tr><th>Pool</th><th>Slots</th><th>Usage</th><th>Running</th><th>Queued</th><th>Deferred</th><th>Open</th><th>Description</th><th></th></tr></thead><tbody>
      ${page.pools.map(p => {
        const used = p.slots > 0 ? Math.min(100, Math.round(100 * p.occupied_slots / p.slots)) : 0;
        return `<tr data-pool="${esc(p.name)}"><td><code>${esc(p.name)}</code></td><td>${p.slots < 0 ? "∞" : p.slots}</td>
          <td><div class="meter" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${used}" title="${used}% used"><span style="width:${used}%"></span></div></td>
          <td>${p.running_slots}</td><td>${p.queued_slots}</td><td>${p.deferred_slots}</td><td>${p.open_slots}</td><td>${esc(p.description ?? "")}</td>
          <td class="row-actions">${can.edit_pools ? `<button type="button" class="edit">Edit</button>${p.name === "default_pool" ? "" : `<button type="button" class="delete danger-text">Delete</button>`}` : ""}</td></tr>`;
      }).join("")}</tbody></table>`;
    main.querySelector("#pool-add")?.addEventListener("click", () => editPool(null).then(done => done && load()));
    for (const row of main.querySelectorAll("tr[data-pool]")) {
      const p = page.pools.find(x => x.name === row.dataset.pool);
      row.querySelector(".edit")?.addEventListener("click", () => editPool(p).then(done => done && load()));
      row.querySelector(".delete")?.addEventListener("click", () => remove(`pool ${p.name}`, `/api/v2/pools/${enc(p.name)}`).then(done => done && load()));
    }
  };
  await load();
  every(5000, load);
}

function editPool(p) {
  return modal({
    id: "pool-dialog", title: p ? `Edit pool ${p.name}` : "Add pool", submit: "Save",
    body: `${field("pool-name", "Name", p?.name ?? "", { readonly: !!p })}
      ${field("pool-slots", "Slots (-1 for no limit)", p?.slots ?? 16, { type: "number" })}
      ${field("pool-description", "Description", p?.description ?? "")}
      <label><input type="checkbox" id="pool-deferred" ${p?.include_deferred ? "checked" : ""}> Deferred tasks take slots</label>`,
    onSubmit: async dialog => {
      const name = val(dialog, "pool-name").trim();
      const slots = val(dialog, "pool-slots");
      if (!/^-?\d+$/.test(slots)) throw new Error("Slots must be a whole number.");
      const body = { name, slots: Number(slots), description: val(dialog, "pool-description") || null, include_deferred: dialog.querySelector("#pool-deferred").checked };
      const result = p ? await api(`/api/v2/pools/${enc(p.name)}`, { method: "PATCH", body }) : await api("/api/v2/pools", { method: "POST", body });
      show(`Saved pool ${name}.`);
      return result;
    },
  });
}

// ---- users and roles (Airflow's FAB auth manager API) ----------------------------------------------------------------

async function users(main) {
  const can = session.me.can;
  const load = async () => {
    const [page, roleList] = await Promise.all([api("/auth/fab/v1/users?limit=100"), api("/auth/fab/v1/roles?limit=100")]);
    const names = roleList.roles.map(r => r.name);
    main.innerHTML = `
      <div class="toolbar">${can.edit_users ? `<button type="button" class="primary" id="user-add">Add user</button>` : ""}<span class="muted">${page.total_entries} user${page.total_entries === 1 ? "" : "s"}</span></div>
      <table class="list" id="users"><thead><tr><th>Username</th><th>Name</th><th>Email</th><th>Roles</th><th>Active</th><th>Last login</th><th>Logins</th><th></th></tr></thead><tbody>
      ${page.users.map(u => `<tr data-username="${esc(u.username)}"><td><code>${esc(u.username)}</code></td><td>${esc(`${u.first_name} ${u.last_name}`.trim())}</td><td>${esc(u.email)}</td>
        <td>${u.roles.map(r => `<span class="tag">${esc(r.name)}</span>`).join("")}</td><td>${u.active ? "yes" : `<span class="danger-text">no</span>`}</td><td>${when(u.last_login)}</td><td>${u.login_count}</td>
        <td class="row-actions">${can.edit_users ? `<button type="button" class="edit">Edit</button>${u.username === session.me.username ? "" : `<button type="button" class="delete danger-text">Delete</button>`}` : ""}</td></tr>`).join("")}</tbody></table>`;
    main.querySelector("#user-add")?.addEventListener("click", () => editUser(null, names).then(done => done && load()));
    for (const row of main.querySelectorAll("tr[data-username]")) {
      const u = page.users.find(x => x.username === row.dataset.username);
      row.querySelector(".edit")?.addEventListener("click", () => editUser(u, names).then(done => done && load()));
      row.querySelector(".delete")?.addEventListener("click", () => remove(`user ${u.username}`, `/auth/fab/v1/users/${enc(u.username)}`).then(done => done && load()));
    }
  };
  await load();
}

function editUser(u, roleNames) {
  const has = new Set((u?.roles ?? []).map(r => r.name));
  return modal({
    id: "user-dialog", title: u ? `Edit user ${u.username}` : "Add user", submit: "Save",
    body: `<div class="form-grid">
      ${field("user-name", "Username", u?.username ?? "", { readonly: !!u })}
      ${field("user-email", "Email", u?.email ?? "", { type: "email" })}
      ${field("user-first", "First name", u?.first_name ?? "")}
      ${field("user-last", "Last name", u?.last_name ?? "")}
      ${field("user-password", u ? "New password" : "Password", "", { type: "password", placeholder: u ? "unchanged unless typed" : "" })}
      <div class="field"><label><input type="checkbox" id="user-active" ${u?.active === false ? "" : "checked"}> Active</label></div></div>
      <fieldset class="roles-pick"><legend>Roles</legend>${roleNames.map(n => `<label><input type="checkbox" name="role" value="${esc(n)}" ${has.has(n) ? "checked" : ""}> ${esc(n)}</label>`).join("")}</fieldset>`,
    onSubmit: async dialog => {
      const username = val(dialog, "user-name").trim();
      const password = val(dialog, "user-password");
      if (!username) throw new Error("A username is required.");
      if (!u && !password) throw new Error("A password is required.");
      const body = {
        username, email: val(dialog, "user-email"), first_name: val(dialog, "user-first"), last_name: val(dialog, "user-last"),
        active: dialog.querySelector("#user-active").checked,
        roles: [...dialog.querySelectorAll("input[name=role]:checked")].map(i => ({ name: i.value })),
      };
      if (password) body.password = password;
      const result = u ? await api(`/auth/fab/v1/users/${enc(u.username)}`, { method: "PATCH", body }) : await api("/auth/fab/v1/users", { method: "POST", body });
      show(`Saved user ${username}.`);
      return result;
    },
  });
}

const ACTIONS = ["can_read", "can_edit", "can_create", "can_delete", "menu_access"];
const BUILT_IN = ["Admin", "Op", "User", "Viewer", "Public"];

async function roles(main) {
  const can = session.me.can;
  const selected = new URLSearchParams(location.search).get("role");
  const [list, known] = await Promise.all([api("/auth/fab/v1/roles?limit=100"), api("/auth/fab/v1/permissions")]);
  const role = list.roles.find(r => r.name === selected);
  main.innerHTML = `
    <div class="toolbar">${can.edit_roles ? `<button type="button" class="primary" id="role-add">Add role</button>` : ""}</div>
    <div class="dag-body">
      <table class="list" id="roles"><thead><tr><th>Role</th><th>Permissions</th></tr></thead><tbody>
      ${list.roles.map(r => `<tr data-role="${esc(r.name)}" ${r.name === selected ? `class="selected"` : ""}><td><a href="/admin/roles?role=${enc(r.name)}" data-link>${esc(r.name)}</a>${BUILT_IN.includes(r.name) ? ` <span class="muted small">built in</span>` : ""}</td><td>${r.actions.length}</td></tr>`).join("")}</tbody></table>
      ${role ? `<aside class="side-panel" id="role-panel">${rolePanel(role, known.actions, can.edit_roles && !BUILT_IN.includes(role.name))}</aside>` : ""}
    </div>`;
  main.querySelector("#role-add")?.addEventListener("click", async () => {
    const done = await modal({
      id: "role-dialog", title: "Add role", submit: "Create", body: field("role-name", "Name", ""),
      onSubmit: async dialog => {
        const name = val(dialog, "role-name").trim();
        if (!name) throw new Error("A name is required.");
        return api("/auth/fab/v1/roles", { method: "POST", body: { name, actions: [] } });
      },
    });
    if (done) go(`/admin/roles?role=${enc(done.name)}`);
  });
  const form = main.querySelector("#role-form");
  if (form) {
    form.onsubmit = async event => {
      event.preventDefault();
      const actions = [...form.querySelectorAll("input[data-action]:checked")].map(i => ({ action: { name: i.dataset.action }, resource: { name: i.dataset.resource } }));
      const extra = form.querySelector("#role-dag").value.trim();
      if (extra) actions.push({ action: { name: "can_read" }, resource: { name: `DAG:${extra}` } });
      try {
        await api(`/auth/fab/v1/roles/${enc(role.name)}`, { method: "PATCH", body: { actions } });
        show(`Saved role ${role.name}.`);
        await roles(main);
      } catch (e) {
        form.querySelector(".form-error").textContent = e.message;
      }
    };
    main.querySelector("#role-delete")?.addEventListener("click", () => remove(`role ${role.name}`, `/auth/fab/v1/roles/${enc(role.name)}`).then(done => done && go("/admin/roles")));
  }
}

function rolePanel(role, known, editable) {
  const has = new Set(role.actions.map(a => `${a.action.name}\u0000${a.resource.name}`));
  const resources = [...new Set([...known.map(a => a.resource.name), ...role.actions.map(a => a.resource.name)])].sort();
  const rows = resources.map(r => `<tr><td>${esc(r)}</td>${ACTIONS.map(a => `<td><input type="checkbox" aria-label="${esc(a)} on ${esc(r)}" data-action="${a}" data-resource="${esc(r)}" ${has.has(`${a}\u0000${r}`) ? "checked" : ""} ${editable ? "" : "disabled"}></td>`).join("")}</tr>`).join("");
  return `
    <div class="panel-head"><strong>${esc(role.name)}</strong><a href="/admin/roles" data-link aria-label="Close the panel">×</a></div>
    ${editable ? "" : `<p class="muted">A built-in role: its permissions are Airflow's and cannot be changed here.</p>`}
    <form id="role-form">
      <div class="permission-table"><table class="list compact"><thead><tr><th>Resource</th>${ACTIONS.map(a => `<th>${a.replace("can_", "").replace("_", " ")}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table></div>
      ${editable ? `<div class="field"><label for="role-dag">Also let it read one DAG (its id)</label><input id="role-dag" type="text" placeholder="e.g. sales_daily"></div>
        <div class="form-error" role="alert"></div>
        <div class="actions"><button type="button" class="danger-text" id="role-delete">Delete role</button><button type="submit" class="primary" id="role-save">Save</button></div>` : ""}
    </form>`;
}

// ---- event log --------------------------------------------------------------------------------------------------

async function events(main) {
  const params = new URLSearchParams(location.search);
  const offset = Number(params.get("offset") ?? 0) || 0;
  const filters = { dag_id: params.get("dag_id") ?? "", event: params.get("event") ?? "", owner: params.get("owner") ?? "" };
  const href = changes => {
    const q = new URLSearchParams({ ...filters, offset: String(offset), ...changes });
    for (const [k, v] of [...q]) if (!v || (k === "offset" && v === "0")) q.delete(k);
    return `/admin/events${q.size ? `?${q}` : ""}`;
  };
  let query = `limit=50&offset=${offset}&order_by=-when`;
  for (const [k, v] of Object.entries(filters)) if (v) query += `&${k}=${enc(v)}`;
  const page = await api(`/api/v2/eventLogs?${query}`);
  main.innerHTML = `
    <form class="toolbar" id="event-filters">
      ${Object.entries(filters).map(([k, v]) => `<input type="search" name="${k}" value="${esc(v)}" placeholder="${k.replace("_", " ")}" aria-label="Filter by ${k.replace("_", " ")}">`).join("")}
      <button type="submit">Filter</button><span class="muted">${page.total_entries} event${page.total_entries === 1 ? "" : "s"}</span>
    </form>
    <table class="list compact" id="event-log"><thead><tr><th>When</th><th>Event</th><th>DAG</th><th>Task</th><th>Run</th><th>Owner</th><th>Extra</th></tr></thead><tbody>
    ${page.event_logs.map(e => `<tr><td>${when(e.when)}</td><td>${esc(e.event)}</td><td>${esc(e.dag_id ?? "")}</td><td>${esc(e.task_id ?? "")}</td><td>${esc(e.run_id ?? "")}</td><td>${esc(e.owner ?? "")}</td><td class="extra"><code>${esc(e.extra ?? "")}</code></td></tr>`).join("")
      || `<tr><td colspan="7" class="muted">No events.</td></tr>`}</tbody></table>
    <div class="pager">${pager(page.total_entries, offset, 50, o => href({ offset: String(o) }))}</div>`;
  main.querySelector("#event-filters").onsubmit = e => {
    e.preventDefault();
    const form = new FormData(e.target);
    go(href({ dag_id: form.get("dag_id"), event: form.get("event"), owner: form.get("owner"), offset: "0" }));
  };
}

// ---- configuration and health -------------------------------------------------------------------------------------

async function config(main) {
  try {
    const result = await api("/api/v2/config");
    main.innerHTML = result.sections.map(s => `
      <section class="config-section"><h2>[${esc(s.name)}]</h2>
        <table class="list compact"><tbody>${s.options.map(o => `<tr><td><code>${esc(o.key)}</code></td><td><code>${esc(o.value)}</code></td></tr>`).join("")}</tbody></table></section>`).join("");
  } catch (e) {
    main.innerHTML = `<p class="banner" id="config-hidden">${esc(e.status === 403 || e.status === 404 ? `The configuration is not shown here: ${e.message}` : e.message)}</p>`;
  }
}

async function health(main) {
  const load = async () => {
    const h = await api("/api/v2/monitor/health");
    const card = (name, id, status, beat) => `
      <div class="card" id="health-${id}"><h2>${esc(name)}</h2>
        <p><span class="health ${status ?? "unknown"}">${esc(status ?? "not running")}</span></p>
        ${beat === undefined ? "" : `<dl class="facts">${facts([["Last heartbeat", beat ? when(beat) : "never"]])}</dl>`}</div>`;
    main.innerHTML = `<div class="cards">
      ${card("Metadata database", "metadatabase", h.metadatabase.status, undefined)}
      ${card("Scheduler", "scheduler", h.scheduler.status, h.scheduler.latest_scheduler_heartbeat)}
      ${card("DAG processor", "dag_processor", h.dag_processor.status, h.dag_processor.latest_dag_processor_heartbeat)}
      ${card("Triggerer", "triggerer", h.triggerer.status, h.triggerer.latest_triggerer_heartbeat)}</div>`;
  };
  await load();
  every(5000, load);
}
