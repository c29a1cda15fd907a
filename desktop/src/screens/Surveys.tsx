/** Surveys: the list, the editor of a survey's questions, and its results as charts. */

import { type SyntheticEvent, useMemo, useState } from 'react';

import { ApiError } from '../api/client';
import {
  QUESTION_KINDS,
  type QuestionKind,
  type QuestionResult,
  RATINGS,
  SENTIMENTS,
  type Survey,
  type SurveyChoice,
  type SurveyOrder,
  type SurveyQuestion,
  SURVEY_PURPOSES,
  type SurveyPurpose,
  type Texts,
} from '../api/engage';
import { LANGUAGES, type Language } from '../api/types';
import { useAction } from '../components/action';
import { BarChart, type ChartSeries } from '../components/Chart';
import { ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { useLoad } from '../components/load';
import { useDesk } from '../desk';
import { MAX_QUESTIONS, newChoice, newQuestion, surveyOrderOf, surveyProblem } from '../engage/surveyForm';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';

export const BAR_COLOUR = '#0a55a3';

/** A text in the desk's language, else in Catalan, else the first there is. */
export function textIn(texts: Texts, language: Language): string {
  return texts[language] ?? texts.ca ?? Object.values(texts)[0] ?? '';
}

export function Surveys() {
  const { api } = useDesk();
  const { t, word, number } = useI18n();
  const { state, reload } = useLoad(() => api.surveys(), [api]);
  return (
    <>
      <div className="screen-head">
        <ScreenTitle>{t('surveys.title')}</ScreenTitle>
        <div className="screen-tools">
          <Link to={paths.survey()} className="button-like">
            {t('surveys.new')}
          </Link>
        </div>
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.length === 0 && <p className="empty">{t('surveys.none')}</p>}
      {state.status === 'ready' && state.data.length > 0 && (
        <table className="table surveys-table">
          <caption className="visually-hidden">{t('surveys.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('column.name')}</th>
              <th scope="col">{t('column.purpose')}</th>
              <th scope="col">{t('surveys.questions')}</th>
              <th scope="col">{t('surveys.results')}</th>
            </tr>
          </thead>
          <tbody>
            {state.data.map((survey) => (
              <tr key={survey.id}>
                <th scope="row">
                  <Link to={paths.survey(survey.id)}>{survey.name}</Link>
                </th>
                <td>{word('surveyPurpose', survey.purpose)}</td>
                <td>{number(survey.questions)}</td>
                <td>
                  <Link to={paths.surveyResults(survey.id)} aria-label={t('surveys.resultsOf', { name: survey.name })}>
                    {t('surveys.results')}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TextsFields({ id, legend, texts, onChange }: { readonly id: string; readonly legend: string; readonly texts: Texts; readonly onChange: (texts: Texts) => void }) {
  const { word } = useI18n();
  return (
    <fieldset className="choices-list texts">
      <legend>{legend}</legend>
      <div className="field-row">
        {LANGUAGES.map((code) => (
          <div key={code} className="field">
            <label htmlFor={`${id}-${code}`}>{word('lang', code)}</label>
            <input id={`${id}-${code}`} lang={code} value={texts[code] ?? ''} onChange={(event) => onChange({ ...texts, [code]: event.target.value })} />
          </div>
        ))}
      </div>
    </fieldset>
  );
}

function ChoiceFields({ id, index, choice, onChange, onRemove }: { readonly id: string; readonly index: number; readonly choice: SurveyChoice; readonly onChange: (choice: SurveyChoice) => void; readonly onRemove: () => void }) {
  const { t } = useI18n();
  return (
    <div className="survey-choice" data-choice={index}>
      <TextsFields id={`${id}-label`} legend={t('surveys.choiceLabel', { n: index + 1 })} texts={choice.label} onChange={(label) => onChange({ ...choice, label })} />
      <TextsFields id={`${id}-keyword`} legend={t('surveys.choiceKeyword', { n: index + 1 })} texts={choice.keyword} onChange={(keyword) => onChange({ ...choice, keyword })} />
      <p>
        <button type="button" className="button-secondary" onClick={onRemove}>
          {t('surveys.removeChoice', { n: index + 1 })}
        </button>
      </p>
    </div>
  );
}

function QuestionFields({ index, question, onChange, onRemove }: { readonly index: number; readonly question: SurveyQuestion; readonly onChange: (question: SurveyQuestion) => void; readonly onRemove: () => void }) {
  const { t, word } = useI18n();
  const id = `question-${index}`;
  const setKind = (kind: QuestionKind) =>
    onChange({ ...question, kind, choices: kind === 'choice' && question.choices.length === 0 ? [newChoice(0), newChoice(1)] : question.choices });
  return (
    <fieldset className="card survey-question" data-question={index}>
      <legend>{t('surveys.question', { n: index + 1 })}</legend>
      <div className="field field-narrow">
        <label htmlFor={`${id}-kind`}>{t('surveys.kind')}</label>
        <select id={`${id}-kind`} value={question.kind} onChange={(event) => setKind(event.target.value as QuestionKind)}>
          {QUESTION_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {word('questionKind', kind)}
            </option>
          ))}
        </select>
      </div>
      <TextsFields id={`${id}-text`} legend={t('surveys.text')} texts={question.text} onChange={(text) => onChange({ ...question, text })} />
      {question.kind === 'choice' && (
        <>
          {question.choices.map((choice, at) => (
            <ChoiceFields
              key={at}
              id={`${id}-choice-${at}`}
              index={at}
              choice={choice}
              onChange={(changed) => onChange({ ...question, choices: question.choices.map((old, k) => (k === at ? changed : old)) })}
              onRemove={() => onChange({ ...question, choices: question.choices.filter((_, k) => k !== at) })}
            />
          ))}
          <button type="button" className="button-secondary" onClick={() => onChange({ ...question, choices: [...question.choices, newChoice(question.choices.length)] })}>
            {t('surveys.addChoice')}
          </button>
        </>
      )}
      <p>
        <button type="button" className="button-link" onClick={onRemove}>
          {t('surveys.removeQuestion', { n: index + 1 })}
        </button>
      </p>
    </fieldset>
  );
}

function SurveyEditor({ saved }: { readonly saved: Survey | null }) {
  const { api } = useDesk();
  const { t, word } = useI18n();
  const { navigate } = useNavigation();
  const [order, setOrder] = useState<SurveyOrder>(
    saved ? { name: saved.name, purpose: saved.purpose, questions: saved.questions } : { name: '', purpose: 'campaign', questions: [newQuestion(0)] },
  );
  const [version, setVersion] = useState(saved?.version ?? 0);
  const [news, setNews] = useState<string | null>(null);
  const action = useAction();
  const problem = surveyProblem(order);
  const save = (event: SyntheticEvent) => {
    event.preventDefault();
    if (problem !== null) {
      return;
    }
    void action.run(async () => {
      setNews(null);
      if (saved === null) {
        const created = await api.createSurvey(surveyOrderOf(order));
        navigate(paths.survey(created.id), { replace: true });
        return;
      }
      const updated = await api.updateSurvey(saved.id, surveyOrderOf(order), version);
      setVersion(updated.version);
      setNews(t('surveys.saved'));
    });
  };
  const setQuestions = (questions: readonly SurveyQuestion[]) => setOrder((old) => ({ ...old, questions }));
  return (
    <form className="survey-form" aria-label={t('surveys.editor')} onSubmit={save} noValidate>
      {action.error !== null &&
        (action.error instanceof ApiError && action.error.status === 409 ? (
          <p className="notice notice-error" role="alert">
            {t('segments.conflict')}
          </p>
        ) : (
          <ErrorNotice error={action.error} />
        ))}
      {news && (
        <p className="notice notice-ok" role="status">
          {news}
        </p>
      )}
      <div className="card">
        <div className="field-row">
          <div className="field">
            <label htmlFor="survey-name">{t('column.name')}</label>
            <input id="survey-name" value={order.name} onChange={(event) => setOrder({ ...order, name: event.target.value })} required />
          </div>
          <div className="field">
            <label htmlFor="survey-purpose">{t('column.purpose')}</label>
            <select id="survey-purpose" value={order.purpose} onChange={(event) => setOrder({ ...order, purpose: event.target.value as SurveyPurpose })}>
              {SURVEY_PURPOSES.map((purpose) => (
                <option key={purpose} value={purpose}>
                  {word('surveyPurpose', purpose)}
                </option>
              ))}
            </select>
          </div>
        </div>
      </div>
      {order.questions.map((question, index) => (
        <QuestionFields
          key={index}
          index={index}
          question={question}
          onChange={(changed) => setQuestions(order.questions.map((old, k) => (k === index ? changed : old)))}
          onRemove={() => setQuestions(order.questions.filter((_, k) => k !== index))}
        />
      ))}
      <div className="form-buttons">
        <button
          type="button"
          className="button-secondary"
          onClick={() => setQuestions([...order.questions, newQuestion(order.questions.length)])}
          disabled={order.questions.length >= MAX_QUESTIONS}
        >
          {t('surveys.addQuestion')}
        </button>
        <button type="submit" disabled={action.busy || problem !== null} aria-describedby="survey-problem">
          {action.busy ? t('action.working') : t('surveys.save')}
        </button>
      </div>
      <p id="survey-problem" className="field-problem" role="status">
        {problem !== null && t(`surveys.problem.${problem}`)}
      </p>
    </form>
  );
}

export function SurveyScreen({ surveyId }: { readonly surveyId: string | null }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => (surveyId === null ? Promise.resolve(null) : api.survey(surveyId)), [api, surveyId]);
  return (
    <>
      <p className="back">
        <Link to={paths.surveys()}>{t('surveys.back')}</Link>
      </p>
      <ScreenTitle>{state.status === 'ready' && state.data ? state.data.name : t('surveys.newTitle')}</ScreenTitle>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <SurveyEditor key={state.data?.id ?? 'new'} saved={state.data} />}
    </>
  );
}

/** One question's counts: the chart, and the same counts as a table. */
function QuestionResultCard({ index, question, result }: { readonly index: number; readonly question: SurveyQuestion | undefined; readonly result: QuestionResult }) {
  const i18n = useI18n();
  const { t, word, language } = i18n;
  const rows = useMemo((): readonly (readonly [string, number])[] => {
    if (result.kind === 'rating') {
      return RATINGS.map((rating) => [String(rating), result.ratings[String(rating)] ?? 0] as const);
    }
    if (result.kind === 'choice') {
      const labelOf = (key: string) => textIn(question?.choices.find((choice) => choice.key === key)?.label ?? {}, language) || key;
      const keys = question ? question.choices.map((choice) => choice.key) : Object.keys(result.choices);
      return keys.map((key) => [labelOf(key), result.choices[key] ?? 0] as const);
    }
    return SENTIMENTS.map((label) => [word('sentiment', label), result.sentiment[label] ?? 0] as const);
  }, [result, question, language, word]);
  const labels = useMemo(() => rows.map(([label]) => label), [rows]);
  const series = useMemo((): readonly ChartSeries[] => [{ label: t('results.answers'), values: rows.map(([, n]) => n), kind: 'bar', colour: BAR_COLOUR }], [rows, t]);
  const title = question ? textIn(question.text, language) : result.question_id;
  const summary = t('results.summary', { question: title, figures: i18n.list(rows.map(([label, n]) => `${label}: ${i18n.number(n)}`)) });
  const id = `result-${index}`;
  return (
    <section className="card result" aria-labelledby={`${id}-title`} data-question={result.question_id}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="hint">
        {word('questionKind', result.kind)} · {i18n.count('results.answered', result.answered)}
        {result.kind === 'text' && result.sentiment_method && ` · ${t(`results.method.${result.sentiment_method}`)}`}
      </p>
      <BarChart id={`${id}-chart`} labels={labels} series={series} summary={summary} />
      <table className="table result-table">
        <caption className="visually-hidden">{summary}</caption>
        <thead>
          <tr>
            <th scope="col">{result.kind === 'text' ? t('results.sentiment') : t('results.answer')}</th>
            <th scope="col">{t('results.answers')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, n]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{i18n.number(n)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function SurveyResultsScreen({ surveyId }: { readonly surveyId: string }) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const { search } = useNavigation();
  const campaignId = search.get('campaign');
  const { state, reload } = useLoad(
    () => Promise.all([api.survey(surveyId), api.surveyResults(surveyId, campaignId)]),
    [api, surveyId, campaignId],
  );
  return (
    <>
      <p className="back">
        <Link to={paths.surveys()}>{t('surveys.back')}</Link>
      </p>
      <ScreenTitle>{state.status === 'ready' ? t('results.title', { name: state.data[0].name }) : t('surveys.results')}</ScreenTitle>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && (
        <>
          <p className="results-count" data-responses={state.data[1].responses}>
            {i18n.count('results.responses', state.data[1].responses)}
          </p>
          {state.data[1].questions.map((result, index) => (
            <QuestionResultCard
              key={result.question_id}
              index={index}
              question={state.data[0].questions.find((question) => question.id === result.question_id)}
              result={result}
            />
          ))}
        </>
      )}
    </>
  );
}
