// The portal's front page: after logging in, go back to the application page that asked for it.
import { takeReturnPath } from "./common.js";

const back = takeReturnPath();
if (back) {
  fetch("/auth/session", { credentials: "same-origin" }).then((response) => {
    if (response.ok) window.location.replace(back);
  });
}
