// The sandbox chat page: pick a person, talk to the bot through the real webhook, see what it sent.
"use strict";

const api = (path, body) => fetch("/sandbox/api/" + path, body === undefined ? {} : {
  method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
}).then(async (r) => {
  if (r.status === 409) {   // the person blocked the account: LINE sends nothing from them
    const {message} = await r.json();
    setBlocked(true);
    throw Object.assign(new Error(message), {blocked: true});
  }
  if (!r.ok && r.status !== 502) throw new Error(await r.text());
  return r.json();
});

const $ = (id) => document.getElementById(id);
const state = {user: null, seq: 0, people: [], newUsers: JSON.parse(localStorage.getItem("sb-new-users") || "[]")};
const ROLE = {staff: "บุคลากร", coordinator: "ผู้ประสานงาน", executive: "ผู้บริหาร"};

function person() {
  return state.people.find((p) => p.userId === state.user) || null;
}

const CHOSEN = "sb-person";   // the person chosen, kept across a reload

async function loadPeople(keep) {
  state.people = await api("people");
  const select = $("person");
  const chosen = keep ? select.value : (localStorage.getItem(CHOSEN) || "");
  select.innerHTML = "";
  const units = {};
  for (const p of state.people.filter((p) => p.userId)) (units[p.unit] = units[p.unit] || []).push(p);
  for (const [unit, members] of Object.entries(units)) {
    const group = document.createElement("optgroup");
    group.label = unit;
    for (const p of members) group.append(new Option(`${p.name} (${ROLE[p.role]})`, p.userId));
    select.append(group);
  }
  const fresh = document.createElement("optgroup");
  fresh.label = "ผู้ใช้ LINE ที่ยังไม่ลงทะเบียน";
  for (const id of state.newUsers) {
    if (!state.people.some((p) => p.userId === id)) fresh.append(new Option(`ผู้ใช้ใหม่ ${id.slice(-4)}`, id));
  }
  fresh.append(new Option("+ ผู้ใช้ LINE ใหม่", "new"));
  select.append(fresh);
  const wanted = chosen && [...select.options].some((o) => o.value === chosen) ? chosen : select.options[0].value;
  select.value = wanted;
  await choose(wanted);
}

async function choose(value) {
  if (value === "new") {
    const {userId} = await api("users", {});
    state.newUsers.push(userId);
    localStorage.setItem("sb-new-users", JSON.stringify(state.newUsers));
    await loadPeople(false);
    $("person").value = userId;
    return choose(userId);
  }
  state.user = value;
  localStorage.setItem(CHOSEN, value);
  state.seq = 0;
  setBlocked(false);
  $("chat").dataset.ready = "0";
  $("chat").innerHTML = "";
  $("quick").innerHTML = "";
  const p = person();
  $("who").textContent = p ? `${p.name} · ${p.unit} · ${ROLE[p.role]}` : "ผู้ใช้ LINE ที่ยังไม่ได้ลงทะเบียน";
  showInvites(!p);
  showJobs(p && p.role !== "staff");
  showMenu(p ? p.role : "staff");
  await refresh();
  $("chat").dataset.user = value;
  $("chat").dataset.ready = "1";   // this person's history is on screen
}

function showInvites(visible) {
  $("invites").hidden = !visible;
  const list = $("invite-list");
  list.innerHTML = "";
  if (!visible) return;
  for (const p of state.people.filter((p) => !p.userId)) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#";
    link.textContent = `${p.name} — ${p.inviteCode}`;
    link.dataset.testid = "invite-" + p.code;
    link.addEventListener("click", (e) => {   // like https://line.me/R/oaMessage/…/?ลงทะเบียน%20CODE
      e.preventDefault();
      $("text").value = p.inviteText;
      $("text").focus();
    });
    item.append(link, document.createTextNode(` (${p.unit})`));
    list.append(item);
  }
}

async function showJobs(visible) {
  $("jobs").hidden = !visible;
  if (!visible) return;
  const jobs = await api("jobs");
  const box = $("job-list");
  box.innerHTML = jobs.length ? "" : '<p class="sb-note">ยังไม่มีงานตามกำหนดเวลา</p>';
  for (const {name, label} of jobs) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.title = `เรียกใช้งาน ${name} ตอนนี้`;
    button.dataset.job = name;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const result = await api("jobs/" + encodeURIComponent(name), {user: state.user});
        $("job-result").textContent = result.text;
        system(result.text);
        await refresh();
      } catch (err) {
        system("เรียกใช้ไม่สำเร็จ: " + err.message);
      } finally {
        button.disabled = false;
      }
    });
    box.append(button);
  }
}

function failed(err) {   // a blocked account's note is no error: it is what LINE would show
  system(err.blocked ? err.message : "ผิดพลาด: " + err.message);
}

function system(text) {
  const note = document.createElement("div");
  note.className = "sb-system";
  note.textContent = text;
  $("chat").append(note);
  $("chat").scrollTop = $("chat").scrollHeight;
}

let queue = Promise.resolve();
function refresh() {   // one fetch at a time, so the poller and a send never show a message twice
  queue = queue.then(fetchNew, fetchNew);
  return queue;
}

async function fetchNew() {
  if (!state.user) return;
  const user = state.user;
  const {items, blocked} = await api(`chat?user=${encodeURIComponent(user)}&after=${state.seq}`);
  if (user !== state.user) return;
  setBlocked(blocked);
  for (const item of items) {
    state.seq = Math.max(state.seq, item.seq);
    const row = document.createElement("div");
    row.className = "sb-row sb-from-" + item.from;
    row.dataset.kind = item.kind;
    const time = `<span class="sb-time">${item.time}</span>`;
    row.innerHTML = item.from === "user"
      ? `${time}<div class="sb-body">${item.html}</div>`
      : `<span class="sb-bot-avatar" aria-hidden="true">ค</span><div class="sb-body">${item.html}</div>${time}`;
    $("chat").append(row);
    if (item.from === "bot") $("quick").innerHTML = item.quickReply;
    else $("quick").innerHTML = "";
  }
  if (items.length) $("chat").scrollTop = $("chat").scrollHeight;
}

async function send(text) {
  if (!text.trim() || !state.user) return;
  $("quick").innerHTML = "";
  await api("say", {user: state.user, text});
  await afterEvent();
}

async function afterEvent() {
  await refresh();
  if (!person() && state.user) {   // registration changes who this account is
    state.people = await api("people");
    if (person()) await loadPeople(true);
  }
}

async function act(action) {
  switch (action.type) {
    case "message":
      return send(action.text);
    case "postback":
      $("quick").innerHTML = "";
      await api("postback", {user: state.user, data: action.data, displayText: action.displayText || null});
      return afterEvent();
    case "uri":
      return window.open(action.uri, "_blank", "noopener");
    default:
      system(`การกระทำแบบ ${action.type} ยังไม่รองรับในแซนด์บ็อกซ์`);
  }
}

document.addEventListener("click", (e) => {
  const target = e.target.closest(".lb-action");
  if (!target) return;
  e.preventDefault();
  act(JSON.parse(target.dataset.action)).catch(failed);
});

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value;
  $("text").value = "";
  send(text).catch(failed);
});
$("attach").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file || !state.user) return;
  const form = new FormData();
  form.append("user", state.user);
  form.append("file", file);
  $("quick").innerHTML = "";
  const r = await fetch("/sandbox/api/send-file", {method: "POST", body: form});
  if (!r.ok && r.status !== 502) { system("ส่งไฟล์ไม่สำเร็จ: " + await r.text()); return; }
  await afterEvent();
});
$("person").addEventListener("change", (e) => choose(e.target.value));
$("follow").addEventListener("click", async () => { await api("follow", {user: state.user}); system("เพิ่มเพื่อนแล้ว"); await refresh(); });
$("unfollow").addEventListener("click", async () => { await api("unfollow", {user: state.user}); setBlocked(true); system("บล็อกแล้ว (บอตตอบไม่ได้จนกว่าจะเพิ่มเพื่อนใหม่)"); });

// A person who blocked the account can send nothing, as in LINE, until they add it as a friend again.
function setBlocked(blocked) {
  $("composer").classList.toggle("sb-blocked", blocked);
  $("text").disabled = blocked;
  $("send").disabled = blocked;
  $("text").placeholder = blocked ? "บล็อกอยู่ · กดเพิ่มเพื่อน" : "พิมพ์ข้อความ";
}
$("reset").addEventListener("click", async () => {
  if (!confirm("ล้างข้อมูลทั้งหมดและโหลดสำนักงานสาธิตใหม่?")) return;
  await api("reset", {});
  state.newUsers = [];
  localStorage.removeItem("sb-new-users");
  localStorage.removeItem(CHOSEN);
  await loadPeople(false);
});
// LINE links coordinators and executives to their own menu; everyone else sees the staff menu.
const MENU_OF_ROLE = JSON.parse(document.querySelector("main").dataset.menuOfRole);
function showMenu(role) {
  const kind = MENU_OF_ROLE[role] || MENU_OF_ROLE.staff;
  for (const box of document.querySelectorAll(".sb-menu")) box.hidden = box.dataset.menu !== kind;
}
const toggleMenu = () => {
  let open = false;
  for (const nav of document.querySelectorAll(".sb-richmenu")) {
    nav.hidden = !nav.hidden;
    open = !nav.hidden;
  }
  $("menu-toggle").setAttribute("aria-expanded", String(open));
};
$("menu-toggle").addEventListener("click", toggleMenu);
for (const bar of document.querySelectorAll(".sb-chatbar")) bar.addEventListener("click", toggleMenu);

setInterval(() => refresh().catch(() => {}), 2000);   // pushes from scheduled jobs arrive on their own
loadPeople(false).catch((err) => system("โหลดไม่สำเร็จ: " + err.message));
