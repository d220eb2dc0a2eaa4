/* tekisei: passkeys (WebAuthn) as a second factor. Adds a passkey on the two-step
   sign-in page, removes one (confirmed with a passkey), and answers the second step of
   signing in. Talks to /api/account/mfa/passkeys/* with the session's CSRF token; the
   texts it shows come from the page (data-* attributes), already translated. */
(function () {
  "use strict";

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(value) {
    var text = atob(value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create);
  }

  function section() {
    return document.getElementById("passkeys");
  }

  function say(id, text) {
    var node = document.getElementById(id);
    if (!node) return;
    node.textContent = text || "";
    if (id === "passkey-error") node.hidden = !text;
  }

  function fail(text) {
    say("passkey-status", "");
    say("passkey-error", text);
    var node = document.getElementById("passkey-error");
    if (node) {
      node.setAttribute("tabindex", "-1");
      node.focus();
    }
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": section().dataset.csrf },
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then(function (response) {
      if (response.ok) return response.status === 204 ? null : response.json();
      return response.json().then(
        function (problem) {
          var ja = document.documentElement.lang === "ja";
          var text = (ja && problem.detail_ja) || problem.detail;
          if (Array.isArray(text)) {
            // A refused field (FastAPI's list): say what each rule asks for.
            text = text.map(function (item) { return item && item.msg; }).filter(Boolean).join("; ");
          }
          throw new Error(typeof text === "string" && text ? text : section().dataset.failed);
        },
        function () { throw new Error(section().dataset.failed); }
      );
    });
  }

  function browserError(error) {
    // The person cancelled, or the authenticator timed out (NotAllowedError).
    if (error && error.name === "NotAllowedError") return section().dataset.cancelled;
    if (error && error.name && /Error$/.test(error.name) && error.name !== "Error") {
      return section().dataset.failed;
    }
    return (error && error.message) || section().dataset.failed;
  }

  function creationOptions(options) {
    options.challenge = fromBase64url(options.challenge);
    options.user.id = fromBase64url(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = fromBase64url(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = fromBase64url(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = fromBase64url(c.id); });
    return options;
  }

  function assertion(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: "public-key",
      response: {
        clientDataJSON: toBase64url(r.clientDataJSON),
        authenticatorData: toBase64url(r.authenticatorData),
        signature: toBase64url(r.signature),
      },
    };
    if (r.userHandle && r.userHandle.byteLength) out.response.userHandle = toBase64url(r.userHandle);
    if (credential.authenticatorAttachment) out.authenticatorAttachment = credential.authenticatorAttachment;
    return out;
  }

  function confirmWithPasskey(optionsPath) {
    return post(optionsPath).then(function (options) {
      return navigator.credentials.get({ publicKey: requestOptions(options) });
    }).then(assertion);
  }

  function add(event) {
    event.preventDefault();
    if (!supported()) return fail(section().dataset.noWebauthn);
    var name = document.getElementById("passkey-name").value.trim();
    if (!name) return document.getElementById("passkey-name").focus();
    say("passkey-error", "");
    post("/api/account/mfa/passkeys/registration", { name: name }).then(function (options) {
      return navigator.credentials.create({ publicKey: creationOptions(options) });
    }).then(function (credential) {
      var r = credential.response;
      var body = {
        name: name,
        credential: {
          id: credential.id,
          rawId: toBase64url(credential.rawId),
          type: "public-key",
          response: {
            clientDataJSON: toBase64url(r.clientDataJSON),
            attestationObject: toBase64url(r.attestationObject),
            transports: r.getTransports ? r.getTransports().slice(0, 8) : [],
          },
        },
      };
      if (credential.authenticatorAttachment) body.credential.authenticatorAttachment = credential.authenticatorAttachment;
      return post("/api/account/mfa/passkeys", body);
    }).then(function () {
      say("passkey-status", section().dataset.added);
      window.location.assign(section().dataset.next || "/account/mfa");
    }, function (error) { fail(browserError(error)); });
  }

  function remove(button) {
    if (!supported()) return fail(section().dataset.noWebauthn);
    say("passkey-error", "");
    say("passkey-status", section().dataset.confirmRemove);
    confirmWithPasskey("/api/account/mfa/passkeys/confirmation").then(function (answer) {
      return post("/api/account/mfa/passkeys/" + button.dataset.passkey + "/remove", { credential: answer });
    }).then(function () {
      say("passkey-status", section().dataset.removed);
      window.location.assign("/account/mfa");
    }, function (error) { fail(browserError(error)); });
  }

  function signIn() {
    if (!supported()) return fail(section().dataset.noWebauthn);
    say("passkey-error", "");
    confirmWithPasskey("/api/account/mfa/passkeys/authentication").then(function (answer) {
      return post("/api/account/mfa/passkeys/verify", { credential: answer });
    }).then(function () {
      var next = section().dataset.next || "/systems";
      window.location.assign("/signin/second-factor?next=" + encodeURIComponent(next));
    }, function (error) { fail(browserError(error)); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!section()) return;
    var form = document.getElementById("passkey-add-form");
    if (form) form.addEventListener("submit", add);
    document.querySelectorAll("button.passkey-remove").forEach(function (button) {
      button.addEventListener("click", function () { remove(button); });
    });
    var use = document.getElementById("passkey-signin");
    if (use) use.addEventListener("click", signIn);
    if (!supported() && (form || use)) say("passkey-error", section().dataset.noWebauthn);
  });
})();
