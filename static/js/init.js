// Progressive enhancement only: every page works without this.
// Every component but radios and checkboxes: their script only runs conditional reveals, which
// static/css/portal.css does by CSS alone (the same with or without JavaScript), and it would set aria-expanded
// on the inputs, which the radio and checkbox roles do not allow (axe: aria-allowed-attr).
import * as nhsuk from "/static/nhsuk/nhsuk-frontend.min.js";

const COMPONENTS = "Button CharacterCount Code ErrorSummary FileUpload Header NotificationBanner PasswordInput Scroll SkipLink Table Tabs";

COMPONENTS.split(" ").forEach((name) => nhsuk.createAll(nhsuk[name]));
