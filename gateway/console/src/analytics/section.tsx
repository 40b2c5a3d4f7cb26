// Analytics: messages and analytics descriptors. Routes below this section's prefix are nested:
// "/" here is "/analytics" in the address bar. Every view has its URL (filters in its search):
//   /analytics/messages?project=…&from=…&to=…&user=…&channel=…&type=…&conversation=…[&page=…&cursor=…]
//   /analytics/descriptors?project=…&page=…   the analytics the service keeps, newest first; open by id
//   /analytics/descriptors/new        a new analytic (a form producing only valid descriptors)
//   /analytics/descriptors/<id>       its descriptor, result, compute, downloads
import "./analytics.css";
import { Redirect, Route, Switch, useLocation } from "wouter-preact";
import { AnalyticView } from "./analytic";
import { DescriptorsView } from "./descriptors-view";
import { NewAnalyticView } from "./form";
import { MessagesView } from "./messages";
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
    { href: "/messages", label: "Messages" },
    { href: "/descriptors", label: "Analytics" },
  ];
  return (
    <nav class="tabs" aria-label="analytics views">
      {tabs.map((t) => (
        <ViewLink key={t.href} to={`${t.href}`} class={location.startsWith(t.href) ? "active" : ""} aria-current={location.startsWith(t.href) ? "page" : undefined}>
          {t.label}
        </ViewLink>
      ))}
    </nav>
  );
}

export function AnalyticsView() {
  return (
    <section class="section analytics" aria-labelledby="analytics-title">
      <div class="section-head">
        <h1 id="analytics-title">Analytics</h1>
        <Tabs />
      </div>
      <Switch>
        <Route path="/messages" component={MessagesView} />
        <Route path="/descriptors" component={DescriptorsView} />
        <Route path="/descriptors/new" component={NewAnalyticView} />
        <Route path="/descriptors/:id">{(p: { id?: string }) => <AnalyticView key={p.id} id={segment(p.id)} />}</Route>
        <Route path="/">
          <Redirect to="/messages" />
        </Route>
        <Route>
          <p class="notice warning">No such Analytics view.</p>
        </Route>
      </Switch>
    </section>
  );
}
