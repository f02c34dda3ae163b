// EDS login: the server's challenge signed with the authentication key through NCALayer.
"use strict";
(function () {
  const button = document.getElementById("login");
  const status = document.getElementById("status");
  async function post(url, body) {
    const response = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const data = await response.json();
    if (!response.ok) throw new Error(data.code || response.status);
    return data;
  }
  button.addEventListener("click", async () => {
    const token = button.dataset.token;
    button.disabled = true;
    try {
      const challenge = await post("/v1/login/challenge", {token});
      status.textContent = window.T.signing;
      const client = new NCALayerClient();
      await client.connect();
      const signed = await client.basicsSignCMS(
        NCALayerClient.basicsStorageAll, challenge.challenge_b64,
        NCALayerClient.basicsCMSParamsDetached, NCALayerClient.basicsSignerAuthAny);
      const cms = Array.isArray(signed) ? signed[0] : signed;
      const session = await post("/v1/login", {token, challenge_b64: challenge.challenge_b64, cms_b64: stripPem(cms)});
      window.location.href = "/rooms/" + session.room_id;
    } catch (error) {
      status.textContent = window.T.failed + ": " + error.message;
      button.disabled = false;
    }
  });
  function stripPem(text) {
    return text.replace(/-----(BEGIN|END) CMS-----/g, "").replace(/\s+/g, "");
  }
})();
