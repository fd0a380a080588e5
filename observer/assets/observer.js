// The observer's page: renders the `update` events of /events (docs/observer.md). Plain DOM, no
// framework. Every element a test or a reader looks for has a stable id or data- attribute:
// a tree's process is <li data-id="ID" data-pid="PID"> with <span class="restarts">N</span>; when
// actions are on, a child's <button data-action="restart"> and the outcome in #action-outcome.
"use strict";

let sortKey = "message_queue_len";
let last = null;
let actionsOn = false;
const tokenKey = "otp-observer-token";  // in sessionStorage: this tab only, gone when it closes

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// POSTs an action (docs/observer.md, "Actions") with the token as a bearer token, and shows what
// came back.
async function act(action, body) {
  const outcome = document.getElementById("action-outcome");
  outcome.className = "";
  outcome.removeAttribute("data-status");
  outcome.textContent = `${action}: waiting for the node...`;
  let text;
  let status = 0;
  try {
    const res = await fetch(`api/actions/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json",
                 "Authorization": "Bearer " + document.getElementById("action-token").value },
      body: JSON.stringify(body) });
    status = res.status;
    const answer = await res.json();
    if (!res.ok) text = `${action}: ${answer.error}`;
    else if (action === "restart_child") text = `restarted child ${answer.child}: ${answer.old_pid} \u2192 ${answer.pid}`;
    else text = `${answer.direction === "up" ? "upgraded" : "downgraded"} from ${answer.from_vsn} to ${answer.vsn} in ` +
                `${answer.duration_ms} ms, longest pause ${answer.longest_pause_us} \u00b5s`;
  } catch (e) {
    text = `${action}: ${e}`;
  }
  outcome.className = status === 200 ? "ok" : "failed";
  outcome.dataset.status = status;
  outcome.textContent = text;
}

function treeItem(node, supervisor) {
  const restarts = el("span", { class: "restarts" + (node.restarts > 0 ? " nonzero" : "") }, node.restarts);
  const parts = [node.id, "  ", node.pid, "  ", el("span", { class: "kind" }, node.type)];
  if (node.module) parts.push("  " + node.module + (node.vsn ? " vsn=" + node.vsn : ""));
  parts.push("  restarts=", restarts);
  if (node.os_pid !== undefined) parts.push("  os_pid=" + node.os_pid);
  if (actionsOn && supervisor) {
    const restart = el("button", { type: "button", class: "restart", "data-action": "restart" }, "restart");
    restart.addEventListener("click", () => act("restart_child", { supervisor: supervisor.pid, child: node.id }));
    parts.push("  ", restart);
  }
  const li = el("li", { "data-id": node.id, "data-pid": node.pid, "data-restarts": node.restarts }, ...parts);
  if (node.children && node.children.length) li.append(el("ul", {}, ...node.children.map(c => treeItem(c, node))));
  return li;
}

function renderTrees(status) {
  const box = document.getElementById("trees");
  box.replaceChildren();
  for (const app of status) {
    if (app.state === "stopped") {
      box.append(el("div", { class: "app stopped", "data-app": app.app },
                    `${app.app} ${app.vsn} stopped (${app.type}): ${app.reason}`));
      continue;
    }
    box.append(el("div", { class: "app", "data-app": app.app }, `${app.app} ${app.vsn}`));
    box.append(app.tree && typeof app.tree === "object" ? el("ul", { class: "tree" }, treeItem(app.tree))
                                                         : el("p", { class: "none" }, "(no supervision tree)"));
  }
}

function renderProcesses(processes) {
  const rows = processes.slice().sort((a, b) => b[sortKey] - a[sortKey]);
  for (const th of document.querySelectorAll("#processes th[data-sort]"))
    th.classList.toggle("sorted", th.dataset.sort === sortKey);
  document.querySelector("#processes tbody").replaceChildren(...rows.map(p => el("tr", { "data-pid": p.pid },
    el("td", {}, p.pid), el("td", {}, Array.isArray(p.registered_name) ? "" : p.registered_name),
    el("td", {}, p.module), el("td", {}, p.vsn), el("td", {}, p.status), el("td", {}, p.message_queue_len),
    el("td", {}, p.memory), el("td", {}, p.messages_received))));
}

function renderTable(id, rows, cells) {
  document.querySelector(`#${id} tbody`).replaceChildren(...rows.map(r => el("tr", {}, ...cells(r).map(c => el("td", {}, c)))));
}

function renderHistory(events) {
  document.getElementById("history").replaceChildren(...events.slice().reverse().map(e => {
    let text = `${e.at}  ${e.kind} ${e.vsn || ""}`;
    if (e.from_vsn) text += ` (from ${e.from_vsn})`;
    if (e.outcome) text += ` ${e.outcome}`;
    if (e.duration_ms !== undefined) text += ` in ${e.duration_ms} ms`;
    if (e.reason) text += `: ${e.reason}`;
    return el("li", { class: `${e.kind} ${e.outcome || ""}` }, text);
  }));
}

function renderInstall(install) {
  const box = document.getElementById("install");
  if (!install) {
    box.replaceChildren(el("p", { class: "none" }, "no install since the node started"));
    return;
  }
  let summary = `${install.from_vsn} \u2192 ${install.to_vsn}: ${install.state}, ${install.elapsed_ms} ms`;
  if (install.longest_suspension_us !== undefined) summary += `, longest pause ${install.longest_suspension_us} \u00b5s`;
  if (install.reason) summary += ` (${install.reason})`;
  const steps = install.steps.map((s, i) => el("li", { class: install.state === "running" && i === install.steps.length - 1 ? "current" : "" },
    `+${s.at_ms} ms  ${s.step}` + (s.processes.length ? `  [${s.processes.join(", ")}]` : "")));
  box.replaceChildren(el("p", { id: "install-summary", "data-state": install.state }, summary),
                      el("ol", { class: "steps" }, ...steps));
}

// Draws the parts an update carries; a part it lacks (named in data.stale: the node did not give
// it in time, as while it installs) keeps its last drawing.
function render(data) {
  if (data.processes) last = data;
  if (data.overview) {
    document.getElementById("node").textContent = data.overview.node;
    document.getElementById("release").textContent = `${data.overview.release} ${data.overview.vsn}`;
  }
  if (data.status) renderTrees(data.status);
  if ("install" in data) renderInstall(data.install);
  if (data.processes) renderProcesses(data.processes);
  if (data.applications) renderTable("applications", data.applications, a => [a.name, a.vsn, a.type, a.state, a.description]);
  if (data.releases) {
    renderTable("releases", data.releases, r => [r.name, r.vsn, r.status, r.applications.join(", ")]);
    renderRelupChoices(data.releases);
  }
  if (data.history) renderHistory(data.history);
}

// The releases a relup can install: every one but the one running (the current one, or the
// permanent one while none is current). The choice made is kept across updates.
function renderRelupChoices(releases) {
  const select = document.getElementById("relup-vsn");
  const chosen = select.value;
  const running = releases.find(r => r.status === "current") || releases.find(r => r.status === "permanent");
  const choices = releases.filter(r => r !== running).map(r => el("option", { value: r.vsn }, `${r.vsn} (${r.status})`));
  select.replaceChildren(...choices);
  if (choices.some(o => o.value === chosen)) select.value = chosen;
}

// Shows the actions when the observer serves them (GET api/actions).
async function setUpActions() {
  const answer = await (await fetch("api/actions")).json();
  actionsOn = answer.enabled;
  document.getElementById("actions").hidden = !actionsOn;
  if (!actionsOn) return;
  const token = document.getElementById("action-token");
  token.placeholder = answer.token_is_cookie ? "the node's cookie" : "the observer's token";
  token.value = sessionStorage.getItem(tokenKey) || "";
  token.addEventListener("input", () => sessionStorage.setItem(tokenKey, token.value));
  document.getElementById("relup-form").addEventListener("submit", e => {
    e.preventDefault();
    act("relup", { vsn: document.getElementById("relup-vsn").value });
  });
  document.getElementById("rollback").addEventListener("click", () => act("rollback", {}));
}

function connect() {
  const state = document.getElementById("connection");
  const events = new EventSource("events");
  events.addEventListener("update", e => {
    const data = JSON.parse(e.data);
    state.textContent = data.stale && data.stale.length ? "live (waiting for: " + data.stale.join(", ") + ")" : "live";
    state.className = "state live";
    render(data);
  });
  events.addEventListener("failure", e => {
    state.textContent = "node not answering: " + JSON.parse(e.data).error;
    state.className = "state";
  });
  events.onerror = () => {
    state.textContent = "disconnected, retrying";
    state.className = "state";
  };
}

for (const th of document.querySelectorAll("#processes th[data-sort]"))
  th.addEventListener("click", () => {
    sortKey = th.dataset.sort;
    if (last) renderProcesses(last.processes);
  });
setUpActions().finally(connect);
