/** The worklist's group switcher: each of the caller's groups and every group under it. */

import { groupName } from '../city';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { indented, rememberGroup } from './groupChoice';
import { useLoad } from './load';

export interface GroupSwitcherProps {
  /** The group whose worklist is shown. */
  readonly value: string;
  readonly onChange: (group: string) => void;
}

/**
 * A select of the groups the caller acts for: one option group per group of theirs, the
 * groups below it indented by depth. The choice is kept for the session. Until the tree
 * arrives (or if it cannot be read) the caller's own groups stand alone.
 */
export function GroupSwitcher({ value, onChange }: GroupSwitcherProps) {
  const { api, me } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const tree = useLoad(() => api.myGroups(i18n.language), [api, i18n.language]);
  const groups = tree.state.status === 'ready' ? tree.state.data : [];
  const listed = new Set(groups.flatMap((group) => group.acts_for.map((entry) => entry.code)));
  const choose = (group: string) => {
    rememberGroup(window.sessionStorage, me.user_id, group);
    onChange(group);
  };
  return (
    <div className="field field-compact">
      <label htmlFor="group">{t('worklist.group')}</label>
      <select id="group" value={value} onChange={(event) => choose(event.target.value)}>
        {value !== '' && !listed.has(value) && <option value={value}>{groupName(value, i18n.language)}</option>}
        {groups.length === 0
          ? me.groups
              .filter((code) => code !== value)
              .map((code) => (
                <option key={code} value={code}>
                  {groupName(code, i18n.language)}
                </option>
              ))
          : groups.map((group) => (
              <optgroup key={group.code} label={group.name}>
                {group.acts_for.map((entry) => (
                  <option key={`${group.code}/${entry.code}`} value={entry.code} data-depth={entry.depth}>
                    {indented(entry.name, entry.depth)}
                  </option>
                ))}
              </optgroup>
            ))}
      </select>
    </div>
  );
}
