/* Heedful agent workspace: live updates (server-sent events), optimistic replies, keyboard.
   Server HTML is the only markup inserted; anything typed or received is set as text. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var body = document.body;
  var csrf = body.dataset.csrf || "";
  var me = body.dataset.userId || "";
  var conversationId = body.dataset.conversation || "";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = (html || "").trim();
    return template.content.firstElementChild;
  }

  function activate(el) {
    if (el && window.htmx) { window.htmx.process(el); }
    return el;
  }

  function getHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error("HTTP " + r.status); }
      return r.text();
    });
  }

  function toast(text, link, isError) {
    var box = $("#toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast" + (isError ? " is-error" : "");
    item.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(a);
    }
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, isError ? 9000 : 6000);
  }

  /* ---- htmx glue ----------------------------------------------------------------------- */
  document.addEventListener("htmx:responseError", function (e) {
    var text = (e.detail.xhr && e.detail.xhr.responseText) || "Something went wrong";
    toast(text.length > 300 ? "Something went wrong (" + e.detail.xhr.status + ")" : text, null, true);
  });
  document.addEventListener("htmx:sendError", function () { toast("Network error: nothing was changed.", null, true); });
  document.addEventListener("htmx:configRequest", function (e) {
    var local = e.detail.elt && e.detail.elt.querySelector && e.detail.elt.querySelector("[data-local-time]");
    if (local && local.value && e.detail.parameters) {
      var when = new Date(local.value);
      if (!isNaN(when)) { e.detail.parameters[local.name] = when.toISOString(); }
    }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    $$("details.menu[open]").forEach(function (d) { d.open = false; });
    var form = e.detail.elt;
    if (form && form.id === "note-form" && e.detail.successful) { form.reset(); }
  });
  document.addEventListener("htmx:afterSwap", function () { dedupeThread(); });

  /* The header menu (narrow screens): a button with aria-expanded; Escape or a click outside
     closes it and gives the focus back to the button. */
  var topbar = $(".topbar");
  var menuButton = $("[data-heedful=menu]");
  function barShowsAll() { return !menuButton || getComputedStyle(menuButton).display === "none"; }
  function setMenu(open) {
    if (!topbar || !menuButton) { return; }
    open = open && !barShowsAll();
    topbar.classList.toggle("is-open", open);
    menuButton.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (menuButton) {
    menuButton.addEventListener("click", function () { setMenu(!topbar.classList.contains("is-open")); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && topbar.classList.contains("is-open")) { setMenu(false); menuButton.focus(); }
    });
    document.addEventListener("click", function (e) {
      if (topbar.classList.contains("is-open") && !topbar.contains(e.target)) { setMenu(false); }
    });
  }

  /* Menus (<details class="menu">) close on a click elsewhere or Escape. */
  document.addEventListener("click", function (e) {
    $$("details.menu[open]").forEach(function (d) { if (!d.contains(e.target)) { d.open = false; } });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    $$("details.menu[open]").forEach(function (d) { d.open = false; $("summary", d).focus(); });
  });

  /* ---- keyboard ------------------------------------------------------------------------ */
  var help = $("#help");
  function toggleHelp() {
    if (!help || !help.showModal) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }
  $$("[data-help-open]").forEach(function (b) { b.addEventListener("click", toggleHelp); });

  function rows() { return $$("#inbox-rows .row"); }
  function moveSelection(step) {
    var all = rows();
    if (!all.length) { return; }
    var current = all.findIndex(function (r) { return r.classList.contains("is-selected"); });
    var next = Math.max(0, Math.min(all.length - 1, current < 0 ? 0 : current + step));
    all.forEach(function (r) { r.classList.remove("is-selected"); });
    all[next].classList.add("is-selected");
    var link = $(".row-link", all[next]);
    link.focus();
    all[next].scrollIntoView({ block: "nearest" });
  }

  function click(selector) {
    var el = $(selector);
    if (el) { el.click(); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) { return; }
    var target = e.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable=true]")) {
      if (e.key === "Escape") { target.blur(); }
      return;
    }
    if (help && help.open && e.key !== "?") { return; }
    var handled = true;
    switch (e.key) {
      case "?": toggleHelp(); break;
      case "/": var search = $("#search-q"); if (search) { setMenu(true); search.focus(); } break;
      case "j": moveSelection(1); break;
      case "k": moveSelection(-1); break;
      case "Enter":
        var selected = $("#inbox-rows .row.is-selected .row-link");
        if (selected && document.activeElement !== selected) { selected.click(); } else { handled = false; }
        break;
      case "r": showTab("reply", true); break;
      case "n": showTab("note", true); break;
      case "e": click("[data-shortcut=resolve]"); break;
      case "a": click("[data-shortcut=assign]"); break;
      case "u": var back = $(".back a"); if (back) { back.click(); } break;
      default: handled = false;
    }
    if (handled) { e.preventDefault(); }
  });

  /* ---- composer ------------------------------------------------------------------------ */
  var replyForm = $("#reply-form");
  var noteForm = $("#note-form");
  var thread = $("#thread-items");

  function showTab(name, focus) {
    if (!replyForm) { return; }
    $$("[data-tab]").forEach(function (tab) {
      var on = tab.dataset.tab === name;
      tab.classList.toggle("is-active", on);
      tab.setAttribute("aria-pressed", on ? "true" : "false");
    });
    $$("[data-tab-panel]").forEach(function (panel) { panel.hidden = panel.dataset.tabPanel !== name; });
    var warning = $("#public-warning");
    if (warning) { warning.hidden = name !== "reply"; }
    if (focus) {
      var area = $("textarea", name === "note" ? noteForm : replyForm);
      if (area) { area.focus(); }
    }
  }

  function length(text) { return Array.from(text.trim()).length; }

  function updateCounter() {
    if (!replyForm) { return; }
    var area = $("textarea", replyForm);
    var max = parseInt(replyForm.dataset.max || "0", 10);
    var count = length(area.value);
    var counter = $("#reply-count");
    $("[data-count]", counter).textContent = String(count);
    var over = max > 0 && count > max;
    counter.classList.toggle("is-over", over);
    var send = $("button[type=submit]", replyForm);
    send.disabled = over && replyForm.dataset.public === "1";
  }

  var lastTyping = 0;
  function typingPing() {
    var now = Date.now();
    if (now - lastTyping < 3000 || !replyForm.dataset.typingUrl) { return; }
    lastTyping = now;
    fetch(replyForm.dataset.typingUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).catch(function () { /* presence is best effort */ });
  }

  /* The newest entry of the thread, shown just above the reply box when that box sticks to the
     bottom of the window (wide screens), else at the bottom of the window (a phone, where the box
     follows the thread). Never the end of the page: on a phone that is the side panel. */
  function newestEntry() {
    var entries = thread ? $$(".msg, .note", thread) : [];
    return entries[entries.length - 1] || null;
  }
  function coveredBelow() {
    var composer = $(".composer");
    return composer && getComputedStyle(composer).position === "sticky" ? composer.offsetHeight + 12 : 0;
  }
  function nearBottom() {
    var last = newestEntry();
    if (!last) { return true; }
    return last.getBoundingClientRect().top <= window.innerHeight - coveredBelow() + 240;
  }
  function scrollToEnd() {
    var last = newestEntry();
    if (!last) { return; }
    var box = last.getBoundingClientRect();
    var header = $(".topbar") ? $(".topbar").offsetHeight : 0;
    var room = window.innerHeight - coveredBelow() - header - 16;
    var top = box.height > room ? box.top - header - 8 : box.bottom - (window.innerHeight - coveredBelow()) + 8;
    window.scrollTo(0, Math.max(0, window.scrollY + top));
  }

  function dedupeThread() {
    if (!thread) { return; }
    var seen = {};
    $$("[id^=msg-], [id^=note-]", thread).forEach(function (el) {
      if (!/^(msg|note)-\d+$/.test(el.id)) { return; }
      if (seen[el.id]) { el.remove(); } else { seen[el.id] = true; }
    });
  }

  var pendingSends = 0;
  var afterSends = [];
  function whenSendsSettle(fn) { if (pendingSends) { afterSends.push(fn); } else { fn(); } }

  function optimisticBubble(text) {
    var bubble = document.createElement("article");
    bubble.className = "msg msg-out is-optimistic";
    var head = document.createElement("header");
    head.className = "msg-head";
    var who = document.createElement("span");
    who.className = "msg-author";
    who.textContent = "You";
    head.appendChild(who);
    var content = document.createElement("div");
    content.className = "msg-body";
    content.textContent = text;
    var foot = document.createElement("footer");
    foot.className = "msg-status status-sending";
    foot.innerHTML = '<span class="status-dot" aria-hidden="true"></span><span class="status-text"></span>';
    $(".status-text", foot).textContent = "Sending…";
    bubble.appendChild(head);
    bubble.appendChild(content);
    bubble.appendChild(foot);
    return bubble;
  }

  function failBubble(bubble, text, reason) {
    bubble.classList.remove("is-optimistic");
    var foot = $(".msg-status", bubble);
    foot.className = "msg-status status-failed";
    $(".status-text", foot).textContent = "Not sent — " + reason;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "link-button";
    retry.textContent = "Edit and try again";
    retry.addEventListener("click", function () {
      var area = $("textarea", replyForm);
      area.value = text;
      bubble.remove();
      updateCounter();
      showTab("reply", true);
    });
    foot.appendChild(retry);
  }

  // A refused or failed reply gives its files back to the input, unless others were picked since.
  function restoreFiles(input, picked) {
    if (!input || !picked.length || input.files.length || typeof DataTransfer === "undefined") { return; }
    var transfer = new DataTransfer();
    picked.forEach(function (f) { transfer.items.add(f); });
    input.files = transfer.files;
  }

  function sendReply(e) {
    e.preventDefault();
    var area = $("textarea", replyForm);
    var text = area.value.trim();
    var files = $("input[type=file]", replyForm);
    var picked = files ? Array.prototype.slice.call(files.files) : [];
    var names = picked.map(function (f) { return f.name; });
    if (!text && !names.length) { area.focus(); return; }
    var data = new FormData(replyForm);
    var bubble = optimisticBubble(text || names.join(", "));
    thread.appendChild(bubble);
    scrollToEnd();
    area.value = "";
    if (files) { files.value = ""; }
    updateCounter();
    pendingSends += 1;
    fetch(replyForm.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).then(function (r) {
      return r.text().then(function (t) {
        if (r.redirected || r.status === 401) { throw new Error("your session ended; log in again"); }
        if (!r.ok) { throw new Error(t.length < 300 && t ? t : "the server answered " + r.status); }
        return t;
      });
    }).then(function (html) {
      var el = fragment(html);
      var existing = el && document.getElementById(el.id);
      if (existing) { bubble.remove(); existing.replaceWith(el); } else { bubble.replaceWith(el); }
      activate(el);
    }).catch(function (err) {
      failBubble(bubble, text, err.message || "network error");
      restoreFiles(files, picked);
    }).finally(function () {
      pendingSends -= 1;
      if (!pendingSends) { afterSends.splice(0).forEach(function (fn) { fn(); }); }
    });
  }

  if (replyForm) {
    var tabs = $(".composer-tabs");
    if (tabs) { tabs.hidden = false; }
    $$("[data-tab]").forEach(function (tab) {
      tab.addEventListener("click", function () { showTab(tab.dataset.tab, true); });
    });
    showTab("reply", false);
    var area = $("textarea", replyForm);
    area.addEventListener("input", function () { updateCounter(); typingPing(); });
    replyForm.addEventListener("submit", sendReply);
    $$("textarea", document).forEach(function (t) {
      t.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          t.form.requestSubmit();
        }
      });
    });
    var canned = $("#canned");
    if (canned) {
      canned.addEventListener("change", function () {
        var option = canned.selectedOptions[0];
        if (!option || !option.dataset.text) { return; }
        var start = area.selectionStart || area.value.length;
        area.value = area.value.slice(0, start) + option.dataset.text + area.value.slice(area.selectionEnd || start);
        canned.value = "";
        area.focus();
        updateCounter();
      });
    }
    updateCounter();
    if (!location.hash && !/[?&]before=/.test(location.search)) { scrollToEnd(); }
  }

  /* ---- live updates -------------------------------------------------------------------- */
  function upsertEntry(url, onlyIfPresent) {
    return getHtml(url).then(function (html) {
      var el = fragment(html);
      if (!el) { return; }
      var existing = document.getElementById(el.id);
      if (existing) {
        existing.replaceWith(el);
      } else if (!onlyIfPresent) {
        var stick = nearBottom();
        thread.appendChild(el);
        if (stick) { scrollToEnd(); }
      } else { return; }
      activate(el);
      dedupeThread();
    }).catch(function () { /* gone or no longer visible: nothing to show */ });
  }

  var chromeTimer = null;
  function refreshChrome() {
    clearTimeout(chromeTimer);
    chromeTimer = setTimeout(function () {
      var focusedId = document.activeElement && document.activeElement.id;
      getHtml("/conversations/" + conversationId + "/chrome/").then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        ["conv-header", "conv-side"].forEach(function (id) {
          var fresh = holder.content.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) { fresh.removeAttribute("hx-swap-oob"); old.replaceWith(fresh); activate(fresh); }
        });
        if (focusedId && document.getElementById(focusedId)) { document.getElementById(focusedId).focus(); }
      }).catch(function () {});
    }, 300);
  }

  var typingTimer = null;
  function showTyping(name, customer) {
    var line = $("#typing");
    if (!line) { return; }
    line.textContent = customer ? "The customer is typing…" : name + " is replying…";
    line.setAttribute("data-heedful", customer ? "customer-typing" : "agent-typing");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { line.textContent = ""; }, 6000);
  }

  function onConversationNotice(n) {
    var base = "/conversations/" + conversationId;
    if (n.type === "message.created") {
      whenSendsSettle(function () {
        if (!document.getElementById("msg-" + n.message)) { upsertEntry(base + "/messages/" + n.message + "/", false); }
      });
      if (n.direction === "in") { var line = $("#typing"); if (line) { line.textContent = ""; } }
    } else if (n.type === "message.status_changed") {
      whenSendsSettle(function () { upsertEntry(base + "/messages/" + n.message + "/", true); });
    } else if (n.type === "note.created") {
      if (!document.getElementById("note-" + n.note)) { upsertEntry(base + "/notes/" + n.note + "/", false); }
    } else if (n.type === "typing") {
      if (n.customer) { showTyping("", true); } else if (String(n.user) !== me) { showTyping(n.name); }
    } else if (n.type && n.type.indexOf("conversation.") === 0) {
      refreshChrome();
      if (n.type === "conversation.merged" && n.target && String(n.conversation) === conversationId) {
        toast("This conversation was merged.", { href: "/conversations/" + n.target + "/", text: "Open #" + n.target });
      }
    }
  }

  var rowTimers = {};
  var news = 0;
  function onInboxNotice(n) {
    var list = $("#inbox-rows");
    if (!list || n.type !== "conversation.changed") { return; }
    clearTimeout(rowTimers[n.conversation]);
    rowTimers[n.conversation] = setTimeout(function () {
      var filter = list.dataset.filter;
      getHtml("/inbox/rows/" + n.conversation + "/" + (filter ? "?" + filter : "")).then(function (html) {
        var row = document.getElementById("row-" + n.conversation);
        var fresh = fragment(html);
        if (row && fresh) {
          if (row.classList.contains("is-selected")) { fresh.classList.add("is-selected"); }
          fresh.classList.add("is-fresh");
          row.replaceWith(fresh);
        } else if (row) {
          row.remove();
        } else if (fresh) {
          news += 1;
          var bar = $("#inbox-news");
          if (bar) {
            $("[data-news-text]", bar).textContent = news === 1 ? "1 conversation has new activity" : news + " conversations have new activity";
            bar.hidden = false;
          }
        }
      }).catch(function () {});
    }, 250);
  }

  function onNotice(n) {
    if (n.type === "mention") {
      toast("You were mentioned in a note.", { href: "/conversations/" + n.conversation + "/", text: "Open #" + n.conversation });
    } else if (n.topic === "inbox") {
      onInboxNotice(n);
    } else if (conversationId && n.topic === "conversation:" + conversationId) {
      onConversationNotice(n);
    }
  }

  var topics = body.dataset.topics;
  if (topics && window.EventSource) {
    var source = new EventSource("/realtime/stream?topics=" + encodeURIComponent(topics));
    source.onmessage = function (event) {
      var notice;
      try { notice = JSON.parse(event.data); } catch (err) { return; }
      onNotice(notice);
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }
})();
