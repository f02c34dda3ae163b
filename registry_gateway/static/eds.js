// Signing through NCALayer (the vendored ncalayer-js-client): a button carries the base64 content
// to sign and which key to use; the detached CMS goes into the form's CMS field and the form is
// submitted. Without NCALayer the same field takes a pasted CMS.
"use strict";
(function () {
  const status = document.getElementById("eds-status");
  function stripPem(text) {
    return text.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
  }
  document.querySelectorAll("button.eds-sign").forEach((button) => {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.target);
      button.disabled = true;
      status.textContent = window.RG_T.signing;
      try {
        const client = new NCALayerClient();
        await client.connect();
        const signer = button.dataset.key === "auth"
          ? NCALayerClient.basicsSignerAuthAny : NCALayerClient.basicsSignerSignAny;
        const signed = await client.basicsSignCMS(
          NCALayerClient.basicsStorageAll, button.dataset.content,
          NCALayerClient.basicsCMSParamsDetached, signer);
        field.value = stripPem(Array.isArray(signed) ? signed[0] : signed);
        field.form.submit();
      } catch (error) {
        status.textContent = window.RG_T.failed + ": " + (error.message || error);
        button.disabled = false;
      }
    });
  });
})();
