// EDS in the portal's pages through NCALayer (the vendored ncalayer-js-client).
// Login: a button signs the challenge with the authentication key and submits its form.
// Signing: a button fetches the exact bytes to sign from the API, NCALayer makes a detached CMS,
// and the finished CMS is posted to the API; the page then reloads to show the new state.
// NCALayer's address comes from <body data-ncalayer-url> (rto signer in development and tests).
"use strict";
(function () {
  const T = window.PORTAL_T;
  const ncalayerUrl = document.body.dataset.ncalayerUrl || "wss://127.0.0.1:13579";

  function say(button, text, isError) {
    const status = document.getElementById(button.dataset.status || "eds-status");
    status.textContent = text;
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function toBase64(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return window.btoa(binary);
  }

  async function signBase64(contentB64, key) {
    const client = new NCALayerClient(ncalayerUrl, false);
    await client.connect();
    const signer = key === "auth" ? NCALayerClient.basicsSignerAuthAny : NCALayerClient.basicsSignerSignAny;
    const signed = await client.basicsSignCMS(
      NCALayerClient.basicsStorageAll, contentB64, NCALayerClient.basicsCMSParamsDetached, signer);
    const cms = Array.isArray(signed) ? signed[0] : signed;
    if (!cms) throw new Error(T.cancelled);
    return cms;
  }

  async function problemText(response) {
    try {
      const body = await response.json();
      return (body.detail || body.title || response.statusText) + (body.code ? " (" + body.code + ")" : "");
    } catch (error) {
      return response.status + " " + response.statusText;
    }
  }

  document.querySelectorAll("button.eds-login").forEach((button) => {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.target);
      button.disabled = true;
      say(button, T.confirm, false);
      try {
        field.value = await signBase64(button.dataset.content, "auth");
        field.form.submit();
      } catch (error) {
        say(button, T.failed + ": " + (error.message || error), true);
        button.disabled = false;
      }
    });
  });

  document.querySelectorAll("button.eds-sign").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(button, T.fetching, false);
      try {
        const source = await fetch(button.dataset.document, { credentials: "same-origin" });
        if (!source.ok) throw new Error(await problemText(source));
        say(button, T.confirm, false);
        const cms = await signBase64(toBase64(await source.arrayBuffer()), "sign");
        say(button, T.sending, false);
        const answer = await fetch(button.dataset.post, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ cms: cms }),
        });
        if (!answer.ok) throw new Error(await problemText(answer));
        say(button, T.done, false);
        window.location.assign(button.dataset.done || window.location.pathname);
      } catch (error) {
        say(button, T.failed + ": " + (error.message || error), true);
        button.disabled = false;
      }
    });
  });

  document.querySelectorAll("button.api-post").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const answer = await fetch(button.dataset.post, { method: "POST", credentials: "same-origin" });
      if (answer.ok) {
        window.location.reload();
      } else {
        say(button, T.failed + ": " + (await problemText(answer)), true);
        button.disabled = false;
      }
    });
  });
})();
