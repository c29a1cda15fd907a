/** A labelled group of checkboxes that edits a list of values. */

import { toggled } from '../engage/segmentForm';

export function CheckGroup<T extends string | number>({
  name,
  legend,
  options,
  values,
  onChange,
}: {
  readonly name: string;
  readonly legend: string;
  readonly options: readonly { readonly value: T; readonly label: string }[];
  readonly values: readonly T[];
  readonly onChange: (values: T[]) => void;
}) {
  return (
    <fieldset className="choices-list" data-group={name}>
      <legend>{legend}</legend>
      <div className="choices">
        {options.map((option) => (
          <label key={String(option.value)} className="choice">
            <input
              type="checkbox"
              name={name}
              value={String(option.value)}
              checked={values.includes(option.value)}
              onChange={(event) => onChange(toggled(values, option.value, event.target.checked))}
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
