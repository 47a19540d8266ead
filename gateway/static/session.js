// Shows who is logged in and offers log in / log out. No tokens here: the session cookie is
// HttpOnly; this script only reads /auth/session and sends the CSRF token it returns.
(function () {
  const box = document.getElementById("session");
  if (!box) return;
  const channel = box.dataset.channel || "portal";
  const loginHref = "/auth/login?channel=" + encodeURIComponent(channel);

  function showLoggedOut() {
    box.innerHTML = "";
    const link = document.createElement("a");
    link.href = loginHref;
    link.id = "login";
    link.textContent = "Log ind med MitID / Log in with MitID";
    box.appendChild(link);
  }

  fetch("/auth/session", { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then((me) => {
      if (!me) return showLoggedOut();
      box.innerHTML = "";
      const who = document.createElement("span");
      who.id = "who";
      who.textContent = "Logget ind som / Logged in as: " + (me.name || me.subject);
      const button = document.createElement("button");
      button.type = "button";
      button.id = "logout";
      button.textContent = "Log ud / Log out";
      button.addEventListener("click", () => {
        fetch("/auth/logout", {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": me.csrf_token },
        })
          .then((response) => response.json())
          .then((result) => {
            window.location.href = result.provider_logout_url || "/";
          });
      });
      box.append(who, " ", button);
    })
    .catch(showLoggedOut);
})();
