/**
 * The API Proxy console: one self-contained page (HTML, CSS and script, no build step), served by
 * the proxy itself, talking to the admin API with the admin credential kept in sessionStorage.
 */
export const CONSOLE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Antigravity proxy console</title>
<link rel="icon" href="data:,">
<style>
  :root { --bg:#f6f7f9; --card:#fff; --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --ok:#12805c; --bad:#c4320a; --accent:#2e5bff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; background:var(--bg); color:var(--fg); }
  header { display:flex; flex-wrap:wrap; gap:12px; align-items:center; padding:12px 20px; background:var(--card); border-bottom:1px solid var(--line); }
  header h1 { font-size:17px; margin:0 12px 0 0; }
  main { max-width:1200px; margin:0 auto; padding:16px; display:grid; grid-template-columns: 1fr 1fr; gap:16px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; min-width:0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:15px; margin:0 0 10px; }
  .pill { display:inline-block; padding:2px 10px; border-radius:999px; font-weight:600; font-size:12px; }
  .pill.running { background:#dcfae6; color:var(--ok); } .pill.stopped { background:#fee4e2; color:var(--bad); }
  .muted { color:var(--muted); } .error { color:var(--bad); } .ok { color:var(--ok); }
  button { font:inherit; padding:6px 12px; border-radius:7px; border:1px solid var(--line); background:#fff; cursor:pointer; }
  button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
  button:disabled { opacity:.5; cursor:default; }
  input, select { font:inherit; padding:6px 8px; border:1px solid var(--line); border-radius:7px; min-width:0; max-width:100%; }
  #auth-mode { width:100%; }
  label { display:block; margin:8px 0 4px; font-weight:600; }
  .row { display:flex; flex-wrap:wrap; gap:8px; align-items:center; }
  .grow { flex:1 1 200px; }
  .scroll { overflow-x:auto; }
  table { border-collapse:collapse; width:100%; font-size:13px; }
  th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; white-space:nowrap; }
  td.wrap { white-space:normal; min-width:200px; }
  tr.err td { background:#fff6f5; }
  tr.clickable { cursor:pointer; }
  pre { background:#0f1729; color:#e6edf7; padding:10px; border-radius:8px; overflow-x:auto; font-size:12px; margin:6px 0 12px; }
  .snippet-head { display:flex; justify-content:space-between; align-items:center; }
  #login { max-width:380px; margin:12vh auto; background:var(--card); border:1px solid var(--line); border-radius:12px; padding:24px; }
  dialog { max-width:min(900px, 95vw); width:100%; border:1px solid var(--line); border-radius:10px; }
  .hint { font-size:12px; color:var(--muted); margin:4px 0 0; }
  @media (max-width: 760px) { main { grid-template-columns: 1fr; padding:8px; } header { padding:10px; } }
</style>
</head>
<body>
<div id="login" hidden>
  <h1 style="font-size:18px;margin-top:0">Antigravity proxy</h1>
  <p class="muted">Sign in with the admin password, or the proxy API key when no admin password is set.</p>
  <form id="login-form">
    <label for="login-key">Admin password or API key</label>
    <input id="login-key" type="password" autocomplete="current-password" style="width:100%">
    <p id="login-error" class="error" role="alert"></p>
    <button class="primary" id="login-submit" type="submit">Sign in</button>
  </form>
</div>

<div id="app" hidden>
<header>
  <h1>Antigravity proxy</h1>
  <span id="status" class="pill stopped">…</span>
  <span class="muted" id="bound"></span>
  <span id="accounts-count" class="muted"></span>
  <span class="grow"></span>
  <button id="start" class="primary">Start</button>
  <button id="stop">Stop</button>
  <button id="logout">Sign out</button>
</header>
<p id="status-reason" class="error" style="margin:8px 20px 0"></p>
<main>
  <section>
    <h2>Settings</h2>
    <label for="port">Port</label>
    <input id="port" type="number" min="1" max="65535">
    <p class="hint" id="port-hint"></p>
    <label><input id="lan" type="checkbox"> Allow LAN access (listen on 0.0.0.0)</label>
    <label for="auth-mode">Auth mode</label>
    <select id="auth-mode">
      <option value="auto">auto: a key on LAN, none on this machine only</option>
      <option value="off">off: no key needed</option>
      <option value="all_except_health">all_except_health: every path but /healthz needs the key</option>
      <option value="strict">strict: every path needs the key</option>
    </select>
    <p class="hint" id="effective-mode"></p>
    <label for="api-key">API key</label>
    <div class="row">
      <input id="api-key" type="password" class="grow" autocomplete="off">
      <button id="show-key" type="button">Show</button>
      <button id="copy-key" type="button">Copy</button>
      <button id="regenerate-key" type="button">Regenerate</button>
    </div>
    <p class="hint">Must start with sk- and be at least 10 characters.</p>
    <div class="row" style="margin-top:12px">
      <button id="save-settings" class="primary">Save settings</button>
      <span id="settings-msg" role="status"></span>
    </div>
  </section>

  <section>
    <h2>Connect a client</h2>
    <div id="snippets"></div>
  </section>

  <section class="wide">
    <h2>Accounts</h2>
    <div class="row">
      <input id="add-token" class="grow" placeholder="Refresh token (1//…)" autocomplete="off">
      <button id="add-account" class="primary">Add account</button>
      <label style="margin:0;font-weight:400"><input id="mask-emails" type="checkbox" checked> Mask emails</label>
    </div>
    <p id="accounts-msg" role="status"></p>
    <div class="scroll"><table id="accounts"><thead><tr><th>Email</th><th>State</th><th>Quota (remaining, reset)</th><th>Cooldowns</th><th></th></tr></thead><tbody></tbody></table></div>
  </section>

  <section class="wide">
    <h2>Monitor</h2>
    <div class="row">
      <label style="margin:0;font-weight:400"><input id="errors-only" type="checkbox"> Errors only</label>
      <label style="margin:0;font-weight:400"><input id="recording" type="checkbox"> Recording</label>
      <button id="clear-logs">Clear</button>
    </div>
    <div class="scroll"><table id="monitor"><thead><tr><th>Time</th><th>Protocol</th><th>Path</th><th>Model → mapped</th><th>Account</th><th>Status</th><th>ms</th><th>Tokens in/out</th><th>Error</th></tr></thead><tbody></tbody></table></div>
  </section>
</main>
<dialog id="detail"><div class="snippet-head"><h2 id="detail-title">Request</h2><button id="detail-close">Close</button></div><pre id="detail-body"></pre></dialog>
</div>

<script>
(function () {
  "use strict";
  var KEY_STORE = "antigravity_admin_key";
  var $ = function (id) { return document.getElementById(id); };
  var state = { config: null, status: null, keyVisible: false };

  function key() { return sessionStorage.getItem(KEY_STORE) || ""; }
  function api(path, opts) {
    opts = opts || {};
    var headers = { authorization: "Bearer " + key() };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    return fetch("/api" + path, { method: opts.method || "GET", headers: headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
      .then(function (res) {
        if (res.status === 401) { showLogin("Your session was refused; sign in again."); throw new Error("unauthorized"); }
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body && body.error ? body.error : "HTTP " + res.status);
          return body;
        });
      });
  }
  function text(el, t) { el.textContent = t == null ? "" : String(t); }
  function cell(tr, t, cls) { var td = document.createElement("td"); text(td, t); if (cls) td.className = cls; tr.appendChild(td); return td; }
  function maskEmail(e) { if (!e) return "(unknown)"; var at = e.indexOf("@"); return at > 0 ? e.slice(0, 2) + "***" + e.slice(at) : e.slice(0, 2) + "***"; }
  function validKey(k) { return k.indexOf("sk-") === 0 && k.length >= 10; }

  function showLogin(msg) { $("app").hidden = true; $("login").hidden = false; text($("login-error"), msg || ""); }
  function showApp() { $("login").hidden = true; $("app").hidden = false; refreshAll(); }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var k = $("login-key").value.trim();
    fetch("/console/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: k }) }).then(function (res) { return res.json(); }).then(function (r) {
      if (!r.ok) { text($("login-error"), "That password or key is not accepted."); return; }
      sessionStorage.setItem(KEY_STORE, k);
      $("login-key").value = "";
      showApp();
    }).catch(function () { text($("login-error"), "The proxy cannot be reached."); });
  });
  $("logout").addEventListener("click", function () { sessionStorage.removeItem(KEY_STORE); showLogin(""); });

  function renderStatus(s) {
    state.status = s;
    var pill = $("status");
    pill.className = "pill " + (s.running ? "running" : "stopped");
    text(pill, s.running ? "running" : "stopped");
    text($("accounts-count"), s.active_accounts + " active account" + (s.active_accounts === 1 ? "" : "s"));
    text($("status-reason"), s.running ? "" : (s.reason || ""));
    $("start").disabled = s.running; $("stop").disabled = !s.running;
    $("port").disabled = s.running;
    text($("port-hint"), s.running ? "Stop the proxy to change the port; a new port takes effect after a restart of the process." : "A new port takes effect after a restart of the process.");
  }
  function renderConfig(c) {
    state.config = c;
    var cfg = c.config;
    text($("bound"), "bound to " + (c.bound.allow_lan_access ? "0.0.0.0" : "127.0.0.1") + ":" + c.bound.port);
    if (document.activeElement !== $("port")) $("port").value = cfg.port;
    $("lan").checked = cfg.allow_lan_access;
    $("auth-mode").value = cfg.auth_mode;
    text($("effective-mode"), "In effect: " + cfg.effective_auth_mode);
    if (document.activeElement !== $("api-key")) $("api-key").value = cfg.api_key;
    $("recording").checked = cfg.monitor_enabled;
    if (!c.writable) { $("save-settings").disabled = true; text($("settings-msg"), "Read-only here: change wrangler vars and secrets, then redeploy."); }
    if (c.restart_required.length) { $("settings-msg").className = "error"; text($("settings-msg"), "Saved; restart the proxy to apply: " + c.restart_required.join(", ")); }
    renderSnippets();
  }
  function refreshStatus() { return api("/proxy/status").then(renderStatus); }
  function refreshConfig() { return api("/config").then(renderConfig); }

  $("start").addEventListener("click", function () {
    api("/proxy/start", { method: "POST" }).then(renderStatus).catch(function (e) { text($("status-reason"), e.message); refreshStatus(); });
  });
  $("stop").addEventListener("click", function () { api("/proxy/stop", { method: "POST" }).then(renderStatus); });

  $("show-key").addEventListener("click", function () {
    state.keyVisible = !state.keyVisible;
    $("api-key").type = state.keyVisible ? "text" : "password";
    text($("show-key"), state.keyVisible ? "Hide" : "Show");
  });
  $("copy-key").addEventListener("click", function () { copy($("api-key").value, $("settings-msg")); });
  $("regenerate-key").addEventListener("click", function () {
    api("/proxy/api-key/generate", { method: "POST" }).then(function (r) {
      $("api-key").value = r.api_key; $("settings-msg").className = "muted";
      text($("settings-msg"), "New key generated: save to use it (clients must be updated).");
    });
  });
  $("save-settings").addEventListener("click", function () {
    var k = $("api-key").value.trim();
    var msg = $("settings-msg");
    if (!validKey(k)) { msg.className = "error"; text(msg, "Invalid API key format, must start with sk- and be at least 10 characters long"); return; }
    var patch = { port: Number($("port").value), allow_lan_access: $("lan").checked, auth_mode: $("auth-mode").value, api_key: k };
    var changedKey = state.config && k !== state.config.config.api_key && !state.config.config.admin_password_set;
    api("/config", { method: "POST", body: patch }).then(function (c) {
      if (changedKey) sessionStorage.setItem(KEY_STORE, k);
      msg.className = "ok"; text(msg, "Saved.");
      renderConfig(c);
    }).catch(function (e) { msg.className = "error"; text(msg, e.message); });
  });

  function copy(value, where) {
    var done = function () { where.className = "ok"; text(where, "Copied."); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(value).then(done, function () { where.className = "error"; text(where, "Copy failed: select the text instead."); });
    else { where.className = "error"; text(where, "Copy is not available here: select the text instead."); }
  }

  function renderSnippets() {
    if (!state.config) return;
    var k = state.config.config.api_key;
    var origin = location.origin;
    var list = [
      ["openai-python", "OpenAI (Python)", 'from openai import OpenAI\n\nclient = OpenAI(api_key="' + k + '", base_url="' + origin + '/v1")\nr = client.chat.completions.create(model="gemini-3-flash", messages=[{"role": "user", "content": "Hello"}])\nprint(r.choices[0].message.content)\n'],
      ["openai-js", "OpenAI (JavaScript)", 'import OpenAI from "openai";\n\nconst client = new OpenAI({ apiKey: "' + k + '", baseURL: "' + origin + '/v1" });\nconst r = await client.chat.completions.create({ model: "gemini-3-flash", messages: [{ role: "user", content: "Hello" }] });\nconsole.log(r.choices[0].message.content);\n'],
      ["anthropic", "Anthropic SDK / Claude Code", 'export ANTHROPIC_BASE_URL=' + origin + '\nexport ANTHROPIC_API_KEY=' + k + '\nclaude\n\n# Python: anthropic.Anthropic(api_key="' + k + '", base_url="' + origin + '")\n'],
      ["gemini", "Gemini (@google/genai)", 'import { GoogleGenAI } from "@google/genai";\n\nconst ai = new GoogleGenAI({ apiKey: "' + k + '", httpOptions: { baseUrl: "' + origin + '" } });\nconst r = await ai.models.generateContent({ model: "gemini-3-flash", contents: "Hello" });\nconsole.log(r.text);\n'],
      ["curl", "curl", "curl " + origin + "/v1/chat/completions \\\n  -H 'Authorization: Bearer " + k + "' -H 'Content-Type: application/json' \\\n  -d '{\"model\":\"gemini-3-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'\n"]
    ];
    var box = $("snippets");
    box.textContent = "";
    list.forEach(function (s) {
      var head = document.createElement("div"); head.className = "snippet-head";
      var h = document.createElement("strong"); text(h, s[1]); head.appendChild(h);
      var st = document.createElement("span"); st.className = "muted";
      var b = document.createElement("button"); b.id = "copy-" + s[0]; text(b, "Copy");
      var pre = document.createElement("pre"); pre.id = "snippet-" + s[0]; text(pre, s[2]);
      b.addEventListener("click", function () { copy(s[2], st); });
      var right = document.createElement("span"); right.appendChild(st); right.appendChild(document.createTextNode(" ")); right.appendChild(b);
      head.appendChild(right); box.appendChild(head); box.appendChild(pre);
    });
  }

  function renderAccounts(r) {
    var tbody = $("accounts").querySelector("tbody");
    tbody.textContent = "";
    var mask = $("mask-emails").checked;
    r.accounts.forEach(function (a) {
      var tr = document.createElement("tr");
      cell(tr, mask ? maskEmail(a.email) : (a.email || "(unknown)"));
      cell(tr, a.enabled ? (a.validated ? "enabled" : "enabled (not validated yet)") : "disabled: " + (a.disabledReason || ""), a.enabled ? "ok" : "error wrap");
      var q = a.quota && a.quota.models && a.quota.models.length
        ? a.quota.models.map(function (m) { return m.name + " " + Math.floor(m.remainingFraction * 100) + "%" + (m.resetTime ? " (resets " + new Date(m.resetTime).toLocaleString() + ")" : ""); }).join("\n")
        : "not fetched yet";
      cell(tr, q, "wrap").style.whiteSpace = "pre-line";
      cell(tr, (a.cooldowns || []).map(function (c) { return c.model + " until " + new Date(c.until).toLocaleTimeString() + ": " + c.reason; }).join("\n") || "none", "wrap");
      var actions = cell(tr, "");
      [[a.enabled ? "Disable" : "Enable", function () { return api("/accounts/" + a.id + "/" + (a.enabled ? "disable" : "enable"), { method: "POST" }); }],
       ["Refresh quota", function () { return api("/accounts/" + a.id + "/quota", { method: "POST" }); }],
       ["Remove", function () { return confirm("Remove this account?") ? api("/accounts/" + a.id, { method: "DELETE" }) : Promise.resolve(); }]
      ].forEach(function (x) {
        var b = document.createElement("button"); text(b, x[0]);
        b.addEventListener("click", function () { x[1]().then(refreshAccounts).then(refreshStatus).catch(function (e) { $("accounts-msg").className = "error"; text($("accounts-msg"), e.message); }); });
        actions.appendChild(b); actions.appendChild(document.createTextNode(" "));
      });
      tbody.appendChild(tr);
    });
    if (!r.accounts.length) { var tr = document.createElement("tr"); cell(tr, "No accounts yet: add one with a refresh token, or run npm run accounts -- login.").colSpan = 5; tbody.appendChild(tr); }
  }
  function refreshAccounts() { return api("/accounts").then(renderAccounts); }
  $("mask-emails").addEventListener("change", refreshAccounts);
  $("add-account").addEventListener("click", function () {
    var t = $("add-token").value.trim();
    var msg = $("accounts-msg");
    if (!t) { msg.className = "error"; text(msg, "Paste a refresh token first."); return; }
    api("/accounts", { method: "POST", body: { refreshToken: t } }).then(function (r) {
      $("add-token").value = ""; msg.className = "ok";
      text(msg, (r.created ? "Added " : "Updated ") + (r.account.email || "the account") + ".");
      return refreshAccounts().then(refreshStatus);
    }).catch(function (e) { msg.className = "error"; text(msg, e.message); });
  });

  function renderLogs(r) {
    var tbody = $("monitor").querySelector("tbody");
    tbody.textContent = "";
    r.logs.forEach(function (l) {
      var tr = document.createElement("tr");
      tr.className = "clickable" + (l.status >= 400 || l.error ? " err" : "");
      cell(tr, new Date(l.time).toLocaleTimeString());
      cell(tr, l.protocol); cell(tr, l.path);
      cell(tr, (l.model || "?") + " → " + (l.mappedModel || "?"));
      cell(tr, l.account || ""); cell(tr, l.status); cell(tr, l.durationMs);
      cell(tr, (l.inputTokens == null ? "–" : l.inputTokens) + " / " + (l.outputTokens == null ? "–" : l.outputTokens));
      cell(tr, l.error || "", "wrap");
      tr.addEventListener("click", function () { openDetail(l.id); });
      tbody.appendChild(tr);
    });
    if (!r.logs.length) { var tr = document.createElement("tr"); cell(tr, r.enabled ? "No requests yet." : "Recording is off.").colSpan = 9; tbody.appendChild(tr); }
  }
  function refreshLogs() { return api("/logs?limit=100" + ($("errors-only").checked ? "&errors=1" : "")).then(renderLogs); }
  function openDetail(id) {
    api("/logs/" + id).then(function (l) {
      text($("detail-title"), l.method + " " + l.path + " → " + l.status);
      var pretty = function (t) { if (!t) return t; try { return JSON.parse(t); } catch (e) { return t; } };
      l.requestBody = pretty(l.requestBody); l.responseBody = pretty(l.responseBody);
      text($("detail-body"), JSON.stringify(l, null, 2));
      var d = $("detail"); if (d.showModal) d.showModal(); else d.setAttribute("open", "");
    });
  }
  $("detail-close").addEventListener("click", function () { var d = $("detail"); if (d.close) d.close(); else d.removeAttribute("open"); });
  $("errors-only").addEventListener("change", refreshLogs);
  $("recording").addEventListener("change", function () { api("/proxy/monitor/toggle", { method: "POST", body: { enabled: $("recording").checked } }).then(refreshLogs); });
  $("clear-logs").addEventListener("click", function () { api("/logs/clear", { method: "POST" }).then(refreshLogs); });

  function refreshAll() {
    return Promise.all([refreshStatus(), refreshConfig(), refreshAccounts(), refreshLogs()]).catch(function () {});
  }
  setInterval(function () { if (!$("app").hidden) { refreshStatus().catch(function () {}); refreshLogs().catch(function () {}); } }, 2000);
  setInterval(function () { if (!$("app").hidden) refreshAccounts().catch(function () {}); }, 10000);

  if (key()) api("/proxy/status").then(showApp).catch(function () {}); else showLogin("");
})();
</script>
</body>
</html>`;
