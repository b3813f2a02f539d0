// segcio UI: small progressive enhancements; every page works without them.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Forms that delete or replay ask first; the server asks again when scripts are off.
document.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (!window.confirm(form.dataset.confirm)) { ev.preventDefault(); return; }
  if (!form.querySelector('input[name="confirm"]')) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "confirm"; input.value = "yes";
    form.appendChild(input);
  }
});

// Copy buttons for snippets.
document.addEventListener("click", (ev) => {
  const button = ev.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.textContent).then(
    () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); },
    () => { window.getSelection().selectAllChildren(source); });
});

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  return response.json();
}

// Trigger field validated as you type.
function watchTrigger(input) {
  const status = document.getElementById(input.dataset.status);
  let timer = null;
  const check = async () => {
    const result = await postJSON("/ui/api/trigger", { trigger: input.value });
    status.textContent = result.ok ? "Valid trigger." : result.message;
    status.className = result.ok ? "valid" : "invalid";
    input.setAttribute("aria-invalid", result.ok ? "false" : "true");
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 200); });
  check();
}
document.querySelectorAll("[data-validate-trigger]").forEach(watchTrigger);

// Condition builder: rebuild the trigger text from the rows.
// Trigger strings have no escapes: double quotes, or single quotes around a value that contains '"'.
function quote(value) {
  return value.includes('"') ? "'" + value + "'" : '"' + value + '"';
}
function literal(value) {
  if (/^-?\d+(\.\d+)?$/.test(value) || value === "true" || value === "false" || value === "null") return value;
  return quote(value);
}
function escapePath(path) {
  return path.split(".").map((seg) => seg.replace(/[^A-Za-z0-9_-]/g, (c) => "\\" + c)).join(".");
}
function conditionText(row) {
  const field = row.querySelector("[name=cond_field]").value;
  const op = row.querySelector("[name=cond_op]").value;
  const value = row.querySelector("[name=cond_value]").value;
  const pathInput = row.querySelector("[name=cond_path]");
  let path = field;
  if (field === "property") {
    if (!pathInput.value) return "";
    path = escapePath(pathInput.value);
  }
  if (field === "type" && value === "") return "";
  switch (op) {
    case "is": return `${path} = ${field === "property" ? literal(value) : quote(value)}`;
    case "is_not": return `${path} != ${field === "property" ? literal(value) : quote(value)}`;
    case "contains": return `contains(${path}, ${quote(value)})`;
    case "not_contains": return `!contains(${path}, ${quote(value)})`;
    case "starts_with": return `match(${path}, ${quote(value + "*")})`;
    case "ends_with": return `match(${path}, ${quote("*" + value)})`;
    case "lt": case "le": case "gt": case "ge":
      return `${path} ${{ lt: "<", le: "<=", gt: ">", ge: ">=" }[op]} ${literal(value)}`;
    case "exists": return `${path} != null`;
    case "not_exists": return `${path} = null`;
    case "true": return `${path} = true`;
    case "false": return `${path} = false`;
  }
  return "";
}
function setupBuilder(builder) {
  const target = document.getElementById(builder.dataset.target);
  const rows = builder.querySelector(".cond-rows");
  const template = builder.querySelector("template");
  const combinator = builder.querySelector("[name=cond_combinator]");
  const preview = builder.querySelector(".trigger-preview");
  const refreshRow = (row) => {
    const isProperty = row.querySelector("[name=cond_field]").value === "property";
    row.querySelector("[name=cond_path]").hidden = !isProperty;
    row.querySelector("label.cond-path-label").hidden = !isProperty;
  };
  const update = () => {
    const parts = [...rows.querySelectorAll(".cond")].map(conditionText).filter(Boolean);
    const text = parts.join(combinator.value === "any" ? " or " : " and ");
    preview.textContent = text;
    return text;
  };
  builder.addEventListener("input", (ev) => {
    const row = ev.target.closest(".cond");
    if (row) refreshRow(row);
    update();
  });
  builder.querySelector(".cond-add").addEventListener("click", () => {
    rows.appendChild(template.content.cloneNode(true));
    const row = rows.lastElementChild;
    refreshRow(row);
    row.querySelector("select").focus();
    update();
  });
  builder.addEventListener("click", (ev) => {
    if (ev.target.classList.contains("cond-remove")) { ev.target.closest(".cond").remove(); update(); }
  });
  builder.querySelector(".cond-apply").addEventListener("click", () => {
    target.value = update();
    target.dispatchEvent(new Event("input"));
    target.focus();
  });
  rows.querySelectorAll(".cond").forEach(refreshRow);
  update();
}
document.querySelectorAll("[data-condition-builder]").forEach(setupBuilder);

// Mapping editor: typing a value for a field still on "Default" picks a fitting kind.
document.addEventListener("input", (ev) => {
  const input = ev.target;
  if (!(input instanceof HTMLInputElement || input instanceof HTMLSelectElement)) return;
  if (!input.name || !input.name.startsWith("value.")) return;
  const kind = document.querySelector(`select[name="kind.${input.name.slice(6)}"]`);
  if (!kind || kind.value !== "default") return;
  const text = input.value;
  if (input instanceof HTMLSelectElement) kind.value = "literal";
  else if (text.includes("{{")) kind.value = "template";
  else if (/^(\$\.)?[A-Za-z_][\w.-]*$/.test(text)) kind.value = "path";
  else kind.value = "literal";
});

// Event Tester: sample events per type.
const typeSelect = document.getElementById("tester-type");
if (typeSelect) {
  typeSelect.addEventListener("change", () => {
    const samples = JSON.parse(document.getElementById("tester-samples").textContent);
    const editor = document.getElementById("tester-event");
    editor.value = JSON.stringify(samples[typeSelect.value], null, 2);
  });
}
