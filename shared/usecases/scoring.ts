import type { App } from "#shared/domain/app";
import { type AppContext, classifyApp } from "#shared/domain/app-context";
import { type IntelSnapshot, intelFor } from "#shared/domain/intel";
import type { RiskPolicy } from "#shared/domain/risk-policy";
import { type RiskSubject, scoreFinding } from "#shared/domain/score";
import type { ProviderView, Score } from "#shared/domain/tracked-finding";

/** The app's risk context from its inventory record; unclassified fields take the documented defaults. */
export function appContextOf(appId: string, app: App | undefined): AppContext {
  return classifyApp(
    appId,
    app
      ? {
          criticality: app.criticality,
          exposure: app.exposure,
          data: app.data,
          environment: app.environment,
          controls: app.controls,
        }
      : {},
  );
}

export function riskSubjectOf(view: ProviderView, firstSeenAt: string): RiskSubject {
  return {
    severity: view.severity,
    ...(view.cvss ? { cvss: view.cvss } : {}),
    category: view.category,
    cwes: view.cwes,
    vulnerabilityIds: view.vulnerability ? [view.vulnerability.id, ...view.vulnerability.aliases] : [],
    ...(view.package
      ? {
          package: {
            ...(view.package.direct !== undefined ? { direct: view.package.direct } : {}),
            ...(view.package.scope ? { scope: view.package.scope } : {}),
          },
        }
      : {}),
    ...(view.reachability ? { reachability: view.reachability } : {}),
    ...(view.vex
      ? {
          vex: {
            state: view.vex.state as NonNullable<RiskSubject["vex"]>["state"],
            ...(view.vex.justification ? { justification: view.vex.justification } : {}),
          },
        }
      : {}),
    ...(view.exploit ? { exploit: view.exploit } : {}),
    ...(view.secret
      ? { secret: view.secret.verified === undefined ? {} : { verified: view.secret.verified } }
      : {}),
    firstSeenAt,
  };
}

/** Scores one provider view; the stored Score keeps what the API, tickets and digests show. */
export function scoreView(
  view: ProviderView,
  firstSeenAt: string,
  app: AppContext,
  intel: IntelSnapshot | undefined,
  policy: RiskPolicy | undefined,
  now: Date,
): Score {
  const subject = riskSubjectOf(view, firstSeenAt);
  const record =
    intel && subject.vulnerabilityIds.length ? intelFor(intel, subject.vulnerabilityIds) : undefined;
  const result = scoreFinding({ subject, app, intel: record, ...(policy ? { policy } : {}), now });
  return {
    risk: result.risk,
    decision: result.decision,
    priority: result.priority,
    dueAt: result.dueAt,
    factors: result.factors,
    ...(result.suppressed ? { suppressed: result.suppressed } : {}),
  };
}
