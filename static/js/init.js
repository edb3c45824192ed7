// Progressive enhancement only: every page works without this.
import { initAll } from "/static/nhsuk/nhsuk-frontend.min.js";

initAll();
