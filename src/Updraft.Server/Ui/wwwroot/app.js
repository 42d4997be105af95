// Updraft's web UI: one page, drawn from the public REST API (/api/v2) with the session cookie of POST /auth/login.
// It holds no rules of its own about states or permissions: states come from the API, and what a user may do from
// GET /auth/me, which asks the API's own gate. Plain ES modules, no build step, no third-party code (ADR 0026).

import { api, esc, go, show, failed, stopTimers, setRouter, session, whoAmI } from "./core.js";
import { dagListView } from "./dags.js";
import { dagView } from "./dag.js";
import { adminView, ADMIN_PAGES } from "./admin.js";
import { assetsView, approvalsView } from "./assets.js";

const view = document.getElementById("view");

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
      session.me = null;
      const next = params.get("next");
      go(next && next.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (e) {
      error.textContent = e.status === 401 ? "Wrong username or password." : e.message;
    }
  });
}

async function chrome(section) {
  session.me ??= await whoAmI();
  const me = session.me;
  const admin = ADMIN_PAGES.find(p => !p[2] || me.pages[p[2]]);
  const links = [["dags", "/", "DAGs"], me.pages.assets ? ["assets", "/assets", "Assets"] : null, ["approvals", "/approvals", "Approvals"], admin ? ["admin", `/admin/${admin[0]}`, "Admin"] : null];
  document.getElementById("nav").innerHTML = links.filter(Boolean).map(([id, href, label]) => `<a href="${href}" data-link ${id === section ? `aria-current="page"` : ""}>${label}</a>`).join("");
  document.getElementById("user").innerHTML = `<span id="username-shown">${esc(me.username)}</span> <button id="logout" type="button">Sign out</button>`;
  document.getElementById("logout").onclick = async () => {
    await api("/auth/logout", { method: "POST" });
    session.me = null;
    go("/login");
  };
}

async function route() {
  stopTimers();
  show("");
  document.querySelectorAll("dialog").forEach(d => d.remove());
  const path = location.pathname;
  try {
    if (path === "/login") return await loginView();
    const dag = path.match(/^\/dags\/([^/]+)(?:\/(graph|gantt|code|details|runs))?\/?$/);
    if (dag) {
      await chrome("dags");
      return await dagView(decodeURIComponent(dag[1]), dag[2] ?? "grid");
    }
    if (path === "/" || path === "/dags") {
      await chrome("dags");
      return await dagListView();
    }
    if (path === "/assets") {
      await chrome("assets");
      return await assetsView();
    }
    if (path === "/approvals") {
      await chrome("approvals");
      return await approvalsView();
    }
    const admin = path.match(/^\/admin\/([^/]+)\/?$/);
    if (admin) {
      await chrome("admin");
      return await adminView(admin[1]);
    }
    await chrome();
    view.innerHTML = `<h1>Not found</h1><p id="not-found">There is no page at ${esc(path)}.</p><p><a href="/" data-link>All DAGs</a></p>`;
  } catch (e) {
    failed(e);
  }
}

setRouter(route);
document.addEventListener("click", event => {
  const link = event.target.closest("a[data-link]");
  if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0 && link.origin === location.origin) {
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
