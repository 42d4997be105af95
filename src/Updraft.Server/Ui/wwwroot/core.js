// What every view shares: the REST API client (session cookie, CSRF header, errors in Airflow's shape), escaping,
// messages, polling timers, client-side navigation and the signed-in user's abilities.

export const POLL_MS = 2000;
export const enc = encodeURIComponent;
export const session = { me: null };

let timers = [];
let router = () => {};

export class ApiError extends Error {
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

export function cookie(name) {
  return document.cookie.split("; ").find(c => c.startsWith(name + "="))?.slice(name.length + 1) ?? "";
}

export async function api(path, { method = "GET", body, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = cookie("updraft_csrf");
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (response.status === 401 && !path.startsWith("/auth/login")) {
    // No session: sign in, then come back here. The CSRF cookie outlives a session that expired or was ended
    // elsewhere, so its presence tells the two apart.
    const expired = cookie("updraft_csrf") !== "";
    session.me = null;
    go(`/login?next=${encodeURIComponent(location.pathname + location.search)}${expired ? "&expired=1" : ""}`);
    throw new ApiError(401, "Your session has expired; please sign in again.");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  if (response.ok && accept !== "application/json") return text;
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: the text is the message */ }
  if (response.status === 403) {
    // The gate's bare "Forbidden" said plainly; other refusals (CSRF, a hidden configuration) keep their reason.
    const reason = typeof json?.detail === "string" && json.detail !== "Forbidden" ? json.detail : null;
    throw new ApiError(403, reason ?? "Your role may not do this.");
  }
  if (!response.ok) throw new ApiError(response.status, json?.detail ?? (text || response.statusText));
  return json;
}

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? esc(iso) : d.toISOString().replace("T", " ").slice(0, 19);
}

export function seconds(value) {
  if (value == null) return "";
  const s = Number(value);
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function show(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

export function failed(e) {
  if (e?.status !== 401) show(e?.message ?? String(e), "error");
}

export function every(ms, fn) {
  const id = setInterval(() => fn().catch(failed), ms);
  timers.push(id);
}

export function stopTimers() {
  timers.forEach(clearInterval);
  timers = [];
}

export function setRouter(fn) {
  router = fn;
}

export function go(path) {
  if (location.pathname + location.search !== path) history.pushState(null, "", path);
  router();
}

/** Changes the query of the current URL without a new history entry or a redraw (a panel opened or closed). */
export function setQuery(values) {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === "") url.searchParams.delete(key); else url.searchParams.set(key, value);
  }
  history.replaceState(null, "", url);
}

export async function whoAmI(dagIds = []) {
  const query = dagIds.length ? `?dag_ids=${enc(dagIds.join(","))}` : "";
  return api(`/auth/me${query}`);
}

export const STATES = ["success", "failed", "running", "queued", "scheduled", "up_for_retry", "up_for_reschedule", "upstream_failed", "skipped", "deferred", "removed", "restarting"];
export const FINISHED = ["success", "failed", "skipped", "upstream_failed", "removed"];

export function stateClass(state) {
  return `state-${STATES.includes(state) ? state : "none"}`;
}

export function badge(state) {
  return `<span class="badge"><span class="dot ${stateClass(state)}"></span>${esc(state ?? "none")}</span>`;
}

/** A table of name / value facts. */
export function facts(rows) {
  return rows.filter(r => r).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("");
}

export function pager(total, offset, limit, href) {
  if (total <= limit) return "";
  return `${offset > 0 ? `<a href="${href(Math.max(0, offset - limit))}" data-link>Previous</a>` : ""}
    <span>${offset + 1}–${Math.min(offset + limit, total)} of ${total}</span>
    ${offset + limit < total ? `<a href="${href(offset + limit)}" data-link>Next</a>` : ""}`;
}

/** A modal dialog built on <dialog>: resolves with what onSubmit returns, or null when cancelled. */
export function modal({ id, title, body, submit = "OK", danger = false, onOpen, onSubmit }) {
  document.getElementById(id)?.remove();
  const dialog = document.createElement("dialog");
  dialog.id = id;
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  dialog.innerHTML = `
    <form method="dialog" novalidate>
      <h1 id="${id}-title">${esc(title)}</h1>
      ${body}
      <div class="form-error" id="${id}-error" role="alert"></div>
      <div class="actions">
        <button type="button" class="cancel" id="${id}-cancel">Cancel</button>
        <button type="submit" class="${danger ? "danger" : "primary"}" id="${id}-submit">${esc(submit)}</button>
      </div>
    </form>`;
  document.body.appendChild(dialog);
  const error = dialog.querySelector(".form-error");
  return new Promise(resolve => {
    dialog.querySelector(".cancel").onclick = () => { dialog.close(); resolve(null); };
    dialog.addEventListener("cancel", () => resolve(null));
    dialog.querySelector("form").onsubmit = async event => {
      event.preventDefault();
      error.textContent = "";
      try {
        const result = await onSubmit(dialog);
        if (result === undefined) return;
        dialog.close();
        dialog.remove();
        resolve(result);
      } catch (e) {
        error.textContent = e.message;
      }
    };
    dialog.showModal();
    onOpen?.(dialog, error);
  });
}
