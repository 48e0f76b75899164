/* Community pages: suggestions while a customer writes a new topic, and the reading beacon.
   Text from the server is only ever set as textContent; links only keep http(s) or same-site URLs. */
(function () {
  "use strict";

  function safeUrl(value) {
    try {
      var url = new URL(value, window.location.href);
      return (url.protocol === "https:" || url.protocol === "http:") ? url.href : "";
    } catch (e) { return ""; }
  }

  function suggestions() {
    var title = document.querySelector("[data-heedful=topic-title]");
    var box = document.getElementById("c-suggestions");
    if (!title || !box) { return; }
    var list = box.querySelector("ul");
    var endpoint = title.getAttribute("data-suggest-url");
    var timer = null, asked = "";
    function show(results) {
      list.textContent = "";
      results.forEach(function (r) {
        var href = safeUrl(r.url);
        if (!href) { return; }
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = String(r.title || "");
        a.setAttribute("data-heedful", "suggestion");
        a.setAttribute("data-kind", String(r.kind || ""));
        li.appendChild(a);
        list.appendChild(li);
      });
      box.hidden = list.children.length === 0;
    }
    function ask() {
      var q = (title.value + " " + (document.querySelector("[data-heedful=topic-body]") || {value: ""}).value).trim();
      if (q.length < 4 || q === asked) { return; }
      asked = q;
      fetch(endpoint + "?limit=5&q=" + encodeURIComponent(q.slice(0, 400)), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) { if (asked === q) { show(data.results || []); } })
        .catch(function () { show([]); });
    }
    title.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 250); });
  }

  function readingBeacon() {
    var topic = document.querySelector("[data-topic]");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!topic || !token) { return; }
    var url = "/community/topics/" + topic.getAttribute("data-topic") + "/reading/";
    setInterval(function () {
      if (document.visibilityState !== "visible") { return; }
      var body = new FormData();
      body.append("seconds", "30");
      body.append("csrfmiddlewaretoken", token.value);
      fetch(url, {method: "POST", body: body, credentials: "same-origin"}).catch(function () {});
    }, 30000);
  }

  suggestions();
  readingBeacon();
})();
