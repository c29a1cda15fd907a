/** Sign-in: username and password, then Cognito's new-password challenge if it asks. */

import { type SyntheticEvent, useState } from 'react';

import type { CognitoSession } from '../auth/session';
import { AuthError } from '../auth/tokens';
import { ScreenTitle } from '../components/common';
import { useI18n } from '../i18n/context';
import { errorMessage, type MessageKey } from '../i18n/messages';

type Step = 'credentials' | 'new_password';

interface Props {
  readonly session: CognitoSession;
  readonly onSignedIn: () => void;
  /** Why the user is here again, e.g. the session ended. */
  readonly reason?: AuthError | null;
}

export function SignIn({ session, onSignedIn, reason = null }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [step, setStep] = useState<Step>('credentials');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [fresh, setFresh] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<AuthError | MessageKey | null>(reason);
  const [busy, setBusy] = useState(false);

  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(error instanceof AuthError ? error : new AuthError('unknown', { cause: error }));
    } finally {
      setBusy(false);
    }
  };

  const signIn = (event: SyntheticEvent) => {
    event.preventDefault();
    if (username.trim() === '' || password === '') {
      setProblem('signin.required');
      return;
    }
    void attempt(async () => {
      const outcome = await session.signIn(username.trim(), password);
      setPassword('');
      if (outcome === 'new_password_required') {
        setStep('new_password');
      } else {
        onSignedIn();
      }
    });
  };

  const choose = (event: SyntheticEvent) => {
    event.preventDefault();
    if (fresh !== repeat) {
      setProblem('newpw.mismatch');
      return;
    }
    void attempt(async () => {
      await session.completeNewPassword(fresh);
      onSignedIn();
    });
  };

  const alert = problem && (
    <div className="notice notice-error" role="alert" id="signin-problem">
      <p>{typeof problem === 'string' ? t(problem) : errorMessage(i18n.language, problem)}</p>
    </div>
  );
  const invalid = problem !== null;

  if (step === 'new_password') {
    return (
      <section className="signin card" aria-labelledby="signin-title">
        <ScreenTitle id="signin-title">{t('newpw.title')}</ScreenTitle>
        <p>{t('newpw.intro')}</p>
        {alert}
        <form onSubmit={choose} noValidate>
          <div className="field">
            <label htmlFor="new-password">{t('newpw.password')}</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              value={fresh}
              onChange={(event) => setFresh(event.target.value)}
              aria-describedby="new-password-rules"
              aria-invalid={invalid}
              required
            />
            <p id="new-password-rules" className="hint">
              {t('newpw.rules')}
            </p>
          </div>
          <div className="field">
            <label htmlFor="repeat-password">{t('newpw.confirm')}</label>
            <input
              id="repeat-password"
              type="password"
              autoComplete="new-password"
              value={repeat}
              onChange={(event) => setRepeat(event.target.value)}
              aria-invalid={invalid}
              required
            />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? t('signin.working') : t('newpw.submit')}
          </button>
        </form>
      </section>
    );
  }

  return (
    <section className="signin card" aria-labelledby="signin-title">
      <ScreenTitle id="signin-title">{t('signin.title')}</ScreenTitle>
      <p>{t('signin.intro')}</p>
      {alert}
      <form onSubmit={signIn} noValidate>
        <div className="field">
          <label htmlFor="username">{t('signin.username')}</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            aria-invalid={invalid}
            aria-describedby={problem ? 'signin-problem' : undefined}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="password">{t('signin.password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={invalid}
            aria-describedby={problem ? 'signin-problem' : undefined}
            required
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t('signin.working') : t('signin.submit')}
        </button>
      </form>
    </section>
  );
}
