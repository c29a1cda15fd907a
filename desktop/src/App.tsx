/** The desktop's frame: configuration, sign-in, the header and the current screen. */

import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';

import { ApiClient } from './api/client';
import { DeskApi } from './api/desk';
import type { Me } from './api/types';
import { LANGUAGES } from './api/types';
import { CognitoSession } from './auth/session';
import { hasRole, isAdministrator, readsInsights, runsCampaigns, worksRequests } from './auth/roles';
import { AuthError } from './auth/tokens';
import { ErrorNotice, Loading, ScreenTitle } from './components/common';
import { type DesktopConfig, loadConfig } from './config';
import { type Desk, DeskProvider } from './desk';
import { useI18n } from './i18n/context';
import { Link, paths, type Route, useNavigation } from './router';
import { AccessLog } from './screens/AccessLog';
import { AdvancedSearch } from './screens/AdvancedSearch';
import { Citizen } from './screens/Citizen';
import { NewRequest } from './screens/NewRequest';
import { Reports } from './screens/Reports';
import { RequestDetail } from './screens/RequestDetail';
import { Search } from './screens/Search';
import { SignIn } from './screens/SignIn';
import { Worklist } from './screens/Worklist';

// The campaign side's screens load when first opened: an agent's desktop never downloads them.
const Campaigns = lazy(() => import('./screens/Campaigns').then((module) => ({ default: module.Campaigns })));
const CampaignScreen = lazy(() => import('./screens/Campaigns').then((module) => ({ default: module.CampaignScreen })));
const Segments = lazy(() => import('./screens/Segments').then((module) => ({ default: module.Segments })));
const SegmentScreen = lazy(() => import('./screens/Segments').then((module) => ({ default: module.SegmentScreen })));
const Surveys = lazy(() => import('./screens/Surveys').then((module) => ({ default: module.Surveys })));
const SurveyScreen = lazy(() => import('./screens/Surveys').then((module) => ({ default: module.SurveyScreen })));
const SurveyResultsScreen = lazy(() => import('./screens/Surveys').then((module) => ({ default: module.SurveyResultsScreen })));
const Insights = lazy(() => import('./screens/Insights').then((module) => ({ default: module.Insights })));
const Open311Apps = lazy(() => import('./screens/Open311Apps').then((module) => ({ default: module.Open311Apps })));

type Phase =
  | { readonly kind: 'starting' }
  | { readonly kind: 'signed_out'; readonly reason: AuthError | null }
  | { readonly kind: 'signed_in'; readonly me: Me }
  | { readonly kind: 'failed'; readonly error: unknown };

function LanguagePicker() {
  const { t, language, setLanguage } = useI18n();
  return (
    <div className="language">
      <label htmlFor="language">{t('lang.label')}</label>
      <select id="language" value={language} onChange={(event) => setLanguage(event.target.value as typeof language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {t(`lang.${code}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

function Banner({ me, onSignOut }: { readonly me: Me | null; readonly onSignOut: () => void }) {
  const { t } = useI18n();
  const { route } = useNavigation();
  const current = (screen: Route['screen']) => (route.screen === screen ? 'page' : undefined);
  return (
    <header className="banner">
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <p className="brand">
        <span className="brand-name">{t('app.name')}</span> <span className="brand-tagline">{t('app.tagline')}</span>
      </p>
      {me && (
        <nav aria-label={t('nav.label')} className="nav">
          {readsCitizens(me) && (
            <>
              <Link to={paths.worklist()} aria-current={current('worklist')}>
                {t('nav.worklist')}
              </Link>
              <Link to={paths.search()} aria-current={current('search')}>
                {t('nav.search')}
              </Link>
            </>
          )}
          {worksRequests(me) && (
            <Link to={paths.advancedSearch()} aria-current={current('advancedSearch')}>
              {t('nav.advancedSearch')}
            </Link>
          )}
          {isAdministrator(me) && (
            <Link to={paths.accessLog()} aria-current={current('accessLog')}>
              {t('nav.accessLog')}
            </Link>
          )}
          {isAdministrator(me) && (
            <Link to={paths.open311Apps()} aria-current={current('open311Apps')}>
              {t('nav.open311Apps')}
            </Link>
          )}
          {hasRole(me, 'supervisor') && (
            <Link to={paths.reports()} aria-current={current('reports')}>
              {t('nav.reports')}
            </Link>
          )}
          {runsCampaigns(me) && (
            <>
              <Link to={paths.segments()} aria-current={current('segments') ?? current('segment')}>
                {t('nav.segments')}
              </Link>
              <Link to={paths.campaigns()} aria-current={current('campaigns') ?? current('campaign')}>
                {t('nav.campaigns')}
              </Link>
              <Link to={paths.surveys()} aria-current={current('surveys') ?? current('survey') ?? current('surveyResults')}>
                {t('nav.surveys')}
              </Link>
            </>
          )}
          {readsInsights(me) && (
            <Link to={paths.insights()} aria-current={current('insights')}>
              {t('nav.insights')}
            </Link>
          )}
        </nav>
      )}
      <div className="banner-tools">
        <LanguagePicker />
        {me && (
          <>
            <span className="user">{t('user.signedInAs', { name: me.username })}</span>
            <button type="button" className="button-secondary" onClick={onSignOut}>
              {t('user.signOut')}
            </button>
          </>
        )}
      </div>
    </header>
  );
}

/**
 * Whether the staff member works with citizens' requests and records: a campaign manager
 * does not (the API refuses them the worklist and citizen routes).
 */
function readsCitizens(me: Me): boolean {
  return worksRequests(me) || !runsCampaigns(me);
}

function Screen({ route, me }: { readonly route: Route; readonly me: Me }) {
  const { t } = useI18n();
  switch (route.screen) {
    case 'worklist':
      return readsCitizens(me) ? <Worklist /> : <Campaigns />;
    case 'segments':
      return <Segments />;
    case 'segment':
      return <SegmentScreen key={route.segmentId ?? 'new'} segmentId={route.segmentId} />;
    case 'campaigns':
      return <Campaigns />;
    case 'campaign':
      return <CampaignScreen key={route.campaignId ?? 'new'} campaignId={route.campaignId} />;
    case 'surveys':
      return <Surveys />;
    case 'survey':
      return <SurveyScreen key={route.surveyId ?? 'new'} surveyId={route.surveyId} />;
    case 'surveyResults':
      return <SurveyResultsScreen key={route.surveyId} surveyId={route.surveyId} />;
    case 'insights':
      return <Insights />;
    case 'request':
      return <RequestDetail key={route.reference} reference={route.reference} />;
    case 'citizen':
      return <Citizen key={route.citizenId} citizenId={route.citizenId} />;
    case 'search':
      return <Search />;
    case 'newRequest':
      return <NewRequest />;
    case 'accessLog':
      return <AccessLog />;
    case 'reports':
      return <Reports />;
    case 'advancedSearch':
      return <AdvancedSearch />;
    case 'open311Apps':
      return <Open311Apps />;
    case 'missing':
      return (
        <>
          <ScreenTitle>{t('error.not_found')}</ScreenTitle>
          <p>
            <Link to={paths.worklist()}>{t('detail.back')}</Link>
          </p>
        </>
      );
  }
}

function Signed({ config }: { readonly config: DesktopConfig }) {
  const { route } = useNavigation();
  const session = useMemo(() => new CognitoSession(config), [config]);
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });

  const signOut = useCallback(
    (reason: AuthError | null = null) => {
      session.signOut();
      setPhase({ kind: 'signed_out', reason });
    },
    [session],
  );

  const api = useMemo(
    () =>
      new DeskApi(
        new ApiClient({
          baseUrl: window.location.origin,
          token: () => session.idToken(),
          onUnauthorised: () => signOut(new AuthError('session_expired')),
        }),
      ),
    [session, signOut],
  );

  const enter = useCallback(() => {
    api.me().then(
      (me) => setPhase({ kind: 'signed_in', me }),
      (error: unknown) => {
        if (error instanceof AuthError) {
          signOut(error);
        } else {
          setPhase({ kind: 'failed', error });
        }
      },
    );
  }, [api, signOut]);

  useEffect(() => {
    session.restore().then(
      (restored) => (restored ? enter() : setPhase({ kind: 'signed_out', reason: null })),
      () => setPhase({ kind: 'signed_out', reason: null }),
    );
  }, [session, enter]);

  const desk: Desk | null = useMemo(
    () => (phase.kind === 'signed_in' ? { api, me: phase.me, signOut: () => signOut() } : null),
    [api, phase, signOut],
  );

  return (
    <>
      <Banner me={desk?.me ?? null} onSignOut={() => signOut()} />
      <main id="main" className="main" tabIndex={-1}>
        {phase.kind === 'starting' && <Loading />}
        {phase.kind === 'failed' && <ErrorNotice error={phase.error} onRetry={enter} />}
        {phase.kind === 'signed_out' && <SignIn session={session} onSignedIn={enter} reason={phase.reason} />}
        {desk && (
          <DeskProvider desk={desk}>
            <Suspense fallback={<Loading />}>
              <Screen route={route} me={desk.me} />
            </Suspense>
          </DeskProvider>
        )}
      </main>
    </>
  );
}

export function App() {
  const { t } = useI18n();
  const [config, setConfig] = useState<DesktopConfig | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    loadConfig(window.location.origin).then(setConfig, () => setFailed(true));
  }, []);
  if (failed) {
    return (
      <>
        <Banner me={null} onSignOut={() => undefined} />
        <main id="main" className="main">
          <ScreenTitle>{t('error.title')}</ScreenTitle>
          <p role="alert">{t('app.configError')}</p>
        </main>
      </>
    );
  }
  if (config === null) {
    return (
      <main id="main" className="main">
        <Loading />
      </main>
    );
  }
  return <Signed config={config} />;
}
