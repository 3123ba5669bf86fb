// The "add member" preview page: builds the request the dashboard would send from the form and
// shows, on every keystroke, what the edge would answer (host-shims/browser/preview.mjs). The
// only requests are the page's own assets and ./config.json, once, at load.
import { createPreview } from "./preview.mjs";

const $ = (id) => document.getElementById(id);
const form = $("form");
const chipsBox = $("chips");
const permissionInput = $("permission");
const chips = []; // committed permissions, in the order given

// Errors the edge answers about the query string belong next to the account field.
const ACCOUNT_ERRORS = new Set([40006, 40007]);
// Step-2 credential answers (malformed, JWT shape, publishable key) belong next to the token.
const TOKEN_STATUSES = new Set([401, 403]);

function memberMode() {
  return form.elements.member.value;
}

function buildRequest() {
  const body = {};
  body[memberMode()] = $(memberMode()).value;
  const pending = permissionInput.value.trim();
  // The permission being typed counts too, so its error shows as it is typed.
  body.permissions = pending ? [...chips, pending] : [...chips];
  const headers = { "Content-Type": "application/json" };
  if ($("problem-details").checked) headers.Accept = "application/problem+json";
  // Tolerate a pasted "Bearer …": the field holds the token only.
  const token = $("token")
    .value.trim()
    .replace(/^bearer\s+/i, "");
  if (token) headers.Authorization = `Bearer ${token}`;
  return {
    method: "POST",
    url: `/v1/account-memberships/?account_id=${encodeURIComponent($("account_id").value)}`,
    headers,
    body: JSON.stringify(body),
  };
}

function renderChips(fieldErrors) {
  for (const el of chipsBox.querySelectorAll(".chip")) el.remove();
  chips.forEach((name, i) => {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.dataset.index = String(i);
    const error = fieldErrors.find((e) => e.field === `permissions[${i}]`);
    if (error) {
      chip.classList.add("invalid");
      chip.title = error.message;
    }
    chip.append(name);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `remove ${name}`);
    remove.addEventListener("click", () => {
      chips.splice(i, 1);
      update();
    });
    chip.append(remove);
    chipsBox.insertBefore(chip, permissionInput);
  });
}

function setError(field, messages) {
  const slot = form.querySelector(`[data-error-for="${field}"]`);
  slot.textContent = messages.join(" ");
  const input = field === "permissions" ? permissionInput : $(field);
  input?.setAttribute("aria-invalid", messages.length ? "true" : "false");
}

function render(request, r) {
  const byField = { account_id: [], email: [], workspace_membership_id: [], permissions: [], token: [] };
  const other = [];
  for (const e of r.fieldErrors) {
    const m = /^permissions\[(\d+)\]$/.exec(e.field);
    if (m) {
      const i = Number(m[1]);
      const name = i < chips.length ? chips[i] : permissionInput.value.trim();
      byField.permissions.push(`“${name}”: ${e.message}`);
    } else if (e.field in byField) {
      byField[e.field].push(e.message);
    } else {
      other.push(`${e.field}: ${e.message}`);
    }
  }
  if (!r.fieldErrors.length && r.body) {
    if (ACCOUNT_ERRORS.has(r.code)) byField.account_id.push(r.message);
    else if (TOKEN_STATUSES.has(r.status)) byField.token.push(r.message);
  }
  for (const [field, messages] of Object.entries(byField)) setError(field, messages);
  renderChips(r.fieldErrors);

  const verdict = $("verdict");
  if (r.accepted) {
    verdict.className = "verdict accepted";
    verdict.textContent = "Would be accepted, pending authentication and storage";
  } else {
    verdict.className = `verdict rejected s${r.status}`;
    verdict.textContent = `${r.status} ${r.statusText} — ${r.message ?? ""}`;
  }
  verdict.dataset.status = r.accepted ? "accepted" : String(r.status);

  $("other-errors").replaceChildren(...other.map((t) => li(t)));
  $("notes").replaceChildren(
    ...r.notes.filter((n) => n.code !== "secret_key_in_browser").map((n) => li(n.message, n.code)),
  );
  // A secret key is classified by the core; a pasted one the core cannot classify warns too.
  const secret = r.credential.kind === "secret_key" || /sk_(test|live)_/.test($("token").value);
  $("secret-warning").hidden = !secret;

  const facts = [];
  if (r.credential.present) {
    facts.push(["Credential", `${r.credential.kind.replace("_", " ")} (${r.credential.mode} mode)`]);
  }
  if (r.jwt?.timeCheck) facts.push(["Token time", `${r.jwt.timeCheck.message} (not verified)`]);
  else if (r.jwt) facts.push(["Token time", `exp ${describeTime(r.jwt.claims.exp)}: not expired (not verified)`]);
  $("credential").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
  $("claims-block").hidden = !r.jwt;
  $("claims").textContent = r.jwt ? JSON.stringify(r.jwt.claims, null, 2) : "";

  if (r.accepted) {
    $("envelope-summary").textContent = "Body the edge would store or forward (normalized)";
    $("envelope").textContent = JSON.stringify(r.normalized, null, 2);
  } else {
    $("envelope-summary").textContent = `Response body (${r.status}, ${r.contentType})`;
    $("envelope").textContent = JSON.stringify(r.body, null, 2);
  }
  const shown = { ...request.headers };
  if (shown.Authorization) shown.Authorization = "Bearer …"; // never echo a credential
  $("request").textContent = [
    `${request.method} ${request.url}`,
    ...Object.entries(shown).map(([k, v]) => `${k}: ${v}`),
    "",
    request.body.length > 2000
      ? `${request.body.slice(0, 2000)}… (${new TextEncoder().encode(request.body).length} bytes)`
      : request.body,
  ].join("\n");
}

function li(text, code) {
  const item = el("li", text);
  if (code) item.dataset.code = code;
  return item;
}

function el(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function commitPermission() {
  for (const name of permissionInput.value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean))
    chips.push(name);
  permissionInput.value = "";
}

let preview;
function update() {
  if (!preview) return;
  const request = buildRequest();
  render(request, preview.preview(request));
}

function describeSettings(p) {
  const perms = p.settings.allowed_permissions;
  $("permissions-hint").textContent = perms
    ? `Allowed: ${perms.join(", ") || "none"}`
    : "Any name like read or billing:write (lowercase, colon-separated).";
  $("allowed-permissions").replaceChildren(
    ...(perms ?? []).map((name) => Object.assign(document.createElement("option"), { value: name })),
  );
  const where = p.settingsSource === "edge" ? "from the edge (config.json)" : `defaults — ${p.settingsNote}`;
  $("settings").textContent = `Settings ${where}: body at most ${p.settings.max_body_bytes} bytes.`;
  document.body.dataset.settings = p.settingsSource;
}

form.addEventListener("submit", (e) => e.preventDefault());
form.addEventListener("input", update);
form.addEventListener("change", () => {
  $("email-row").hidden = memberMode() !== "email";
  $("wsm-row").hidden = memberMode() !== "workspace_membership_id";
  update();
});
// A pasted "read, write" becomes two chips at once.
permissionInput.addEventListener("input", () => {
  if (permissionInput.value.includes(",")) commitPermission();
});
permissionInput.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === ",") {
    e.preventDefault();
    commitPermission();
    update();
  } else if (e.key === "Backspace" && !permissionInput.value && chips.length) {
    chips.pop();
    update();
  }
});
permissionInput.addEventListener("blur", () => {
  if (permissionInput.value.trim()) {
    commitPermission();
    update();
  }
});

try {
  preview = await createPreview({ settingsUrl: "./config.json" });
  describeSettings(preview);
  update();
  document.body.dataset.ready = "true";
} catch (e) {
  $("verdict").className = "verdict rejected";
  $("verdict").textContent = `The validation module could not load: ${e.message}`;
  document.body.dataset.ready = "error";
}

// A NumericDate as a date where JavaScript can hold it; the core accepts times far beyond what a
// Date can (±8.64e15 ms), and the page must keep updating whatever the token says.
function describeTime(seconds) {
  const date = new Date(Number(seconds) * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} (beyond the dates a browser can show)` : date.toISOString();
}
