/** The segment editor's choice of themes: a checkbox per theme, grouped by area, narrowed by typed words. */

import { useMemo, useState } from 'react';

import { chosenThemes, narrowed, type PickArea, pickAreas, withWholeArea } from '../engage/themePick';
import { toggled } from '../engage/segmentForm';
import { useI18n } from '../i18n/context';
import { FailedNotice, Loading } from './common';
import { themeLabel, useThemes } from './themes';

interface PickerProps {
  readonly chosen: readonly string[];
  readonly onChange: (codes: string[]) => void;
}

function AreaChoices({ area, chosen, onChange }: PickerProps & { readonly area: PickArea }) {
  const { t } = useI18n();
  const whole = area.code !== null && chosen.includes(area.code);
  return (
    <fieldset className="choices-list theme-area" data-area={area.code ?? area.name}>
      <legend>{area.name}</legend>
      {area.code !== null && (
        <label className="choice">
          <input type="checkbox" name="theme-areas" value={area.code} checked={whole} onChange={(event) => onChange(withWholeArea(chosen, area, event.target.checked))} />
          {t('segments.themesWholeArea', { area: area.name })}
        </label>
      )}
      <div className="choices">
        {area.themes.map((theme) => (
          <label key={theme.code} className="choice">
            <input
              type="checkbox"
              name="themes"
              value={theme.code}
              checked={whole || chosen.includes(theme.code)}
              disabled={whole}
              onChange={(event) => onChange(toggled(chosen, theme.code, event.target.checked))}
            />
            {themeLabel(theme)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The themes a segment asks about; stored codes the catalogue no longer has stay listed until taken out. */
export function ThemePicker({ chosen, onChange }: PickerProps) {
  const { t, language, list } = useI18n();
  const { themes, failed, retry } = useThemes();
  const [filter, setFilter] = useState('');
  const areas = useMemo(() => pickAreas(themes ?? [], language), [themes, language]);
  const shown = useMemo(() => narrowed(areas, filter), [areas, filter]);
  const readings = chosenThemes(chosen, areas);
  const unknown = themes === null ? [] : readings.filter((item) => !item.known);
  return (
    <fieldset className="choices-list theme-picker" data-group="themes" aria-describedby="segment-themes-hint">
      <legend>{t('segments.themes')}</legend>
      <p id="segment-themes-hint" className="hint">
        {t('segments.themesHint')}
      </p>
      <p className="theme-chosen" aria-live="polite" data-chosen={chosen.join(' ')}>
        {chosen.length === 0 ? t('segments.themesAny') : t('segments.themesChosen', { themes: list(readings.map((item) => item.label)) })}
      </p>
      {unknown.length > 0 && (
        <fieldset className="choices-list theme-unknown" data-group="themes-unknown">
          <legend>{t('segments.themesUnknown')}</legend>
          <div className="choices">
            {unknown.map((item) => (
              <label key={item.code} className="choice">
                <input type="checkbox" name="themes-unknown" value={item.code} checked onChange={() => onChange(toggled(chosen, item.code, false))} />
                <span className="reference">{item.code}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      {failed && <FailedNotice message={t('themes.failed')} onRetry={retry} />}
      {!failed && themes === null && <Loading />}
      {themes !== null && (
        <>
          <div className="field field-narrow">
            <label htmlFor="segment-themes-filter">{t('segments.themesFilter')}</label>
            <input id="segment-themes-filter" type="search" value={filter} onChange={(event) => setFilter(event.target.value)} autoComplete="off" />
          </div>
          <div className="theme-areas">
            {shown.length === 0 && <p className="empty">{t('segments.themesNoMatch')}</p>}
            {shown.map((area) => (
              <AreaChoices key={area.name} area={area} chosen={chosen} onChange={onChange} />
            ))}
          </div>
        </>
      )}
    </fieldset>
  );
}
