// Progressive enhancement only: every page works without this.
// Every component but radios and checkboxes: their script only runs conditional reveals, which
// static/css/portal.css does by CSS alone (the same with or without JavaScript), and it would set aria-expanded
// on the inputs, which the radio and checkbox roles do not allow (axe: aria-allowed-attr).
import {
  Button,
  CharacterCount,
  Code,
  ErrorSummary,
  FileUpload,
  Header,
  NotificationBanner,
  PasswordInput,
  Scroll,
  SkipLink,
  Table,
  Tabs,
  createAll,
} from "/static/nhsuk/nhsuk-frontend.min.js";

[
  Button,
  CharacterCount,
  Code,
  ErrorSummary,
  FileUpload,
  Header,
  NotificationBanner,
  PasswordInput,
  Scroll,
  SkipLink,
  Table,
  Tabs,
].forEach((Component) => createAll(Component));
