/* Web chat sign-on for forum members, on the brand's pages of Heedful's origin.
 *
 * Embed after the widget: <script src="BASE/static/community_desk/chat-sign-on.js" data-channel="PUBLIC_KEY" defer></script>
 * When a signed-in member opens the chat, the page asks Heedful for the member's identity claim
 * (the HMAC is computed on the server) and passes it to Heedful.identify(), so the chat lands on
 * the same contact as the member's forum posts. A visitor who is not a member gets a 401 and
 * chats anonymously as before.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var channel = script.getAttribute("data-channel") || "";
  var base = new URL(script.src, location.href).origin;
  var asked = null;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return script.getAttribute("data-csrf") || (match ? decodeURIComponent(match[1]) : "");
  }

  function signOn() {
    if (asked) { return asked; }
    asked = fetch(base + "/community/chat-identity/", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrfToken()},
      body: "channel=" + encodeURIComponent(channel)
    }).then(function (response) {
      return response.status === 200 ? response.json() : null;
    }).then(function (claim) {
      if (claim && window.Heedful) { return window.Heedful.identify(claim); }
    }).catch(function () {});
    return asked;
  }

  function attach() {
    if (!window.Heedful || !window.Heedful.on) { return false; }
    window.Heedful.on("open", signOn);
    return true;
  }

  if (!attach()) {
    var tries = 0;
    var timer = setInterval(function () { if (attach() || ++tries > 100) { clearInterval(timer); } }, 50);
  }
})();
