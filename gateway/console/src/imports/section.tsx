// Imports (kmdb): imports and their files. Routes below this section's prefix are nested: "/" here
// is "/imports" in the address bar. Every view has its URL (parameters in its search):
//   /imports                     start an import; revision files live (?status=…&page=…)
//   /imports/i/<import id>       one import's files, live to done (its progress stream); its events per day
//   /imports/f/<revision>        one file's progress and bad lines (?page=…)
//   /imports/filters/<kind>      ignored-users | whitelisted-events | blacklisted-properties
//   /imports/events              events per day charted (?from=…&to=…&name=…)
import "./imports.css";
import { Route, Switch, useLocation } from "wouter-preact";
import { EventsView } from "./events";
import { FileView } from "./file";
import { FiltersView } from "./filters";
import { ImportView } from "./import";
import { OverviewView } from "./overview";
import { ViewLink } from "../ui/query";

function segment(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    return raw ?? "";
  }
}

function Tabs() {
  const [location] = useLocation();
  const tabs = [
    { href: "/", label: "Imports", on: location === "/" || location.startsWith("/i/") || location.startsWith("/f/") },
    { href: "/filters/ignored-users", label: "Filters", on: location.startsWith("/filters") },
    { href: "/events", label: "Events per day", on: location.startsWith("/events") },
  ];
  return (
    <nav class="tabs" aria-label="imports views">
      {tabs.map((t) => (
        <ViewLink key={t.href} to={`${t.href}`} class={t.on ? "active" : ""} aria-current={t.on ? "page" : undefined}>
          {t.label}
        </ViewLink>
      ))}
    </nav>
  );
}

export function ImportsView() {
  return (
    <section class="section imports" aria-labelledby="imports-title">
      <div class="section-head">
        <h1 id="imports-title">Imports (kmdb)</h1>
        <Tabs />
      </div>
      <Switch>
        <Route path="/" component={OverviewView} />
        <Route path="/i/:id">{(p: { id?: string }) => <ImportView key={p.id} id={segment(p.id)} />}</Route>
        <Route path="/f/:revision">{(p: { revision?: string }) => (/^\d{1,7}$/.test(p.revision ?? "") ? <FileView key={p.revision} revision={Number(p.revision)} /> : <p class="notice warning">No such revision.</p>)}</Route>
        <Route path="/filters/:kind">{(p: { kind?: string }) => <FiltersView key={p.kind} kind={p.kind ?? ""} />}</Route>
        <Route path="/filters">{() => <FiltersView kind="ignored-users" />}</Route>
        <Route path="/events" component={EventsView} />
        <Route>
          <p class="notice warning">No such Imports view.</p>
        </Route>
      </Switch>
    </section>
  );
}
