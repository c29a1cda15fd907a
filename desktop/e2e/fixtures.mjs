// A small, deterministic demo city for the mock desk API: staff, citizens and requests,
// with times laid out around the moment the server starts.

import { readFileSync } from 'node:fs';

const CONFIG = new URL('../../infra/config/', import.meta.url);
const catalogue = JSON.parse(readFileSync(new URL('themes.json', CONFIG), 'utf8'));
const systems = JSON.parse(readFileSync(new URL('lob_systems.json', CONFIG), 'utf8')).systems;

export const POOL = { region: 'eu-west-1', userPoolId: 'eu-west-1_MockDesk01', clientId: 'mockdeskclient0001' };

export const STAFF = [
  {
    username: 'agent.eixample',
    password: 'Finestra-Agent-2026!',
    status: 'CONFIRMED',
    user_id: 'u-agent-eixample',
    roles: ['agent'],
    districts: ['2', '6'],
    groups: ['lighting', 'paving'],
  },
  {
    username: 'agent.new',
    password: 'Temporal-Password-1!',
    status: 'FORCE_CHANGE_PASSWORD',
    user_id: 'u-agent-new',
    roles: ['agent'],
    districts: ['10'],
    groups: ['lighting'],
  },
  {
    username: 'admin.city',
    password: 'Finestra-Admin-2026!',
    status: 'CONFIRMED',
    user_id: 'u-admin-city',
    roles: ['administrator'],
    districts: ['*'],
    groups: ['lighting', 'paving'],
  },
  {
    username: 'supervisor.eixample',
    password: 'Finestra-Supervisor-2026!',
    status: 'CONFIRMED',
    user_id: 'u-supervisor-eixample',
    roles: ['supervisor'],
    districts: ['2', '6'],
    groups: ['lighting', 'paving'],
  },
  {
    username: 'coordinator.maintenance',
    password: 'Finestra-Coordinator-2026!',
    status: 'CONFIRMED',
    user_id: 'u-coordinator-maintenance',
    roles: ['agent'],
    districts: ['*'],
    groups: ['urban-maintenance'],
  },
  {
    username: 'campaigns.city',
    password: 'Finestra-Campaigns-2026!',
    status: 'CONFIRMED',
    user_id: 'u-campaigns-city',
    roles: ['campaign_manager'],
    districts: ['*'],
    groups: [],
  },
];

/** A citizen id as the city makes them: `cit_` and a ULID (Crockford's base 32). */
export function citizenId(serial) {
  return `cit_01JQ8Z${String(serial).padStart(20, '0')}`;
}

/** Where the neighbours' app that files the demo's Open311 requests keeps their photos. */
export const OPEN311_MEDIA = 'https://fotos.app-veinal.example.com/avisos/';

const HOUR = 3600_000;
const OPEN_STATES = ['pending_validation', 'planned', 'in_resolution', 'pending_answer'];
export const TRANSITIONS = {
  pending_validation: ['planned', 'in_resolution', 'cancelled', 'not_processed'],
  planned: ['in_resolution', 'cancelled'],
  in_resolution: ['pending_answer', 'closed'],
  pending_answer: ['closed'],
  closed: [],
  cancelled: [],
  not_processed: [],
  externally_processed: ['closed'],
};
const CHANNELS = ['web', 'app', 'sms', 'email', 'phone', 'social', 'in_person', 'open311'];
const PRIORITIES = ['normal', 'high', 'normal', 'low', 'urgent', 'normal'];
const RESPONSES = ['sms', 'email', 'sms', 'none', 'letter'];
const LANGS = ['ca', 'es', 'ca', 'en'];
const STREETS = [
  'Carrer de Mallorca',
  'Carrer de Balmes',
  'Passeig de Sant Joan',
  'Carrer del Consell de Cent',
  'Carrer de Verdi',
  'Travessera de Gràcia',
  'Carrer de Provença',
  'Rambla de Catalunya',
];
const NEIGHBOURHOODS = ['la Dreta de l’Eixample', 'la Sagrada Família', 'Vila de Gràcia', 'el Camp d’en Grassot'];
const DESCRIPTIONS = [
  'El fanal de davant del número {n} no s’encén des de fa tres nits i la vorera queda completament a les fosques.',
  'Hay una farola que parpadea toda la noche delante del portal {n}; molesta a los vecinos del primer piso.',
  'Streetlight number {n} has been out since Sunday; the crossing is very dark for people walking home.',
  'Un forat a la calçada a l’altura del número {n}: les motos l’han d’esquivar i ja hi ha hagut un ensurt.',
  'La rajola de la vorera està aixecada davant del {n} i una veïna gran hi ha ensopegat aquest matí.',
];
const CITIZENS = [
  ['Marta Puig Soler', 'ca', '2'],
  ['Jordi Vidal Roca', 'ca', '6'],
  ['Lucía Fernández Ruiz', 'es', '2'],
  ['Aisha Benali', 'es', '10'],
  ['Thomas Becker', 'en', '2'],
  ['Núria Casals Ferrer', 'ca', '2'],
  ['Pau Martí Costa', 'ca', '6'],
  ['Carmen López García', 'es', '3'],
];

function themesOf(group) {
  return catalogue.themes.filter((theme) => theme.responsible_group === group);
}

/** A second record of Marta Puig Soler, made when she once called from another phone. */
const DUPLICATE = {
  name: 'Marta Puig',
  language: 'ca',
  district: '2',
  phone: '+34699111222',
  email: 'mpuig@example.net',
};

function citizenRecords() {
  return CITIZENS.map(([name, language, district], index) => {
    const id = citizenId(index + 1);
    const slug = name.split(' ')[0].toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
    return {
      citizen_id: id,
      display_name: name,
      kind: 'identified',
      district,
      neighbourhood: NEIGHBOURHOODS[index % NEIGHBOURHOODS.length],
      languages: index % 3 === 0 ? [language, 'es'].filter((v, i, all) => all.indexOf(v) === i) : [language],
      contacts: [
        { kind: 'phone', value: `+3461200${String(index + 1).padStart(4, '0')}`, verified: true },
        { kind: 'email', value: `${slug}.${index + 1}@example.org`, verified: index % 2 === 0 },
        { kind: 'document', value: `${String(40000000 + index * 1111).slice(0, 8)}${'TRWAGMYFPDX'[index]}`, verified: true },
      ],
      consents: [
        { purpose: 'service', channel: 'sms', granted: true, at: '2025-11-03T09:12:00Z' },
        { purpose: 'campaigns', channel: 'email', granted: index % 2 === 0, at: '2025-11-03T09:12:00Z' },
        { purpose: 'surveys', channel: 'sms', granted: false, at: null },
      ],
    };
  });
}

function snapshotsFor(theme, now, index) {
  return (theme.back_office_systems ?? []).slice(0, 3).map((code, position) => {
    const system = systems.find((item) => item.code === code);
    const available = (index + position) % 4 !== 3;
    const age = 60 * (5 + ((index * 7 + position * 13) % 170));
    return {
      system: code,
      name: system?.names?.ca ?? code,
      fetched_at: new Date(now - age * 1000).toISOString(),
      age_s: age,
      available,
      data: available ? { asset_id: `${code.slice(0, 3).toUpperCase()}-${1000 + index}`, open_work_orders: index % 3, last_visit: '2026-02-14' } : {},
    };
  });
}

/** A photo the citizen sent with request `serial`, kept in the bucket under an upload's id. */
function demoFile(serial) {
  const attachmentId = `att_01JQ9A${String(serial).padStart(20, '0')}`;
  return {
    attachment_id: attachmentId,
    key: `requests/BCN-2026-${String(serial).padStart(6, '0')}/${attachmentId}`,
    filename: 'foto.jpg',
    content_type: 'image/jpeg',
    size: 28_451,
  };
}

/** The bytes of a demo file: a JPEG's markers around filler, as long as the file says. */
export function demoBytes(file) {
  const bytes = Buffer.alloc(file.size, file.attachment_id.slice(-2));
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  bytes.set([0xff, 0xd9], file.size - 2);
  return bytes;
}

function requestRecord({ group, theme, index, serial, now, citizens }) {
  const receivedAt = now - (((index * 53) % 90) + 1) * HOUR - index * 60_000;
  const dueAt = receivedAt + theme.sla_hours * HOUR;
  const citizen = citizens[(index * 3 + Math.floor(index / 8)) % citizens.length];
  const number = 10 + ((index * 37) % 280);
  const street = STREETS[index % STREETS.length];
  const district = ['2', '6', '2', '10', '3'][index % 5];
  const description = DESCRIPTIONS[index % DESCRIPTIONS.length].replace('{n}', String(number));
  const state = OPEN_STATES[index % OPEN_STATES.length];
  const channel = CHANNELS[index % CHANNELS.length];
  return {
    reference: `BCN-2026-${String(serial).padStart(6, '0')}`,
    theme: theme.code,
    theme_name: `${theme.element.ca} · ${theme.detail.ca}`,
    state,
    channel,
    district,
    neighbourhood: NEIGHBOURHOODS[index % NEIGHBOURHOODS.length],
    priority: PRIORITIES[index % PRIORITIES.length],
    group,
    agent: index % 6 === 2 ? 'u-agent-eixample' : null,
    flags: index % 7 === 3 ? ['citizen_replied'] : index % 9 === 5 ? ['possible_duplicate', 'sla_near'] : [],
    received_at: new Date(receivedAt).toISOString(),
    due_at: index % 11 === 10 ? null : new Date(dueAt).toISOString(),
    description,
    citizen_id: index % 9 === 8 ? null : citizen.citizen_id,
    language: LANGS[index % LANGS.length],
    response_channel: RESPONSES[index % RESPONSES.length],
    location: {
      lat: 41.3917 + (index % 17) * 0.0011,
      lon: 2.1649 + (index % 13) * 0.0013,
      address: `${street}, ${number}`,
      district,
      neighbourhood: NEIGHBOURHOODS[index % NEIGHBOURHOODS.length],
    },
    attachments: index % 4 === 0 ? [demoFile(serial)] : [],
    snapshots: snapshotsFor(theme, now, index),
    timeline: [
      {
        at: new Date(receivedAt).toISOString(),
        kind: 'inbound',
        channel,
        actor: `citizen:cit_${serial}`,
        text: description,
        from_state: null,
        to_state: null,
        ...(channel === 'open311' ? { media_url: `${OPEN311_MEDIA}${serial}.jpg` } : {}),
      },
      {
        at: new Date(receivedAt + 60_000).toISOString(),
        kind: 'system',
        channel: null,
        actor: null,
        text: `Classificada com a ${theme.detail.ca}; assignada a ${group}.`,
        from_state: null,
        to_state: null,
      },
      ...(state === 'pending_validation'
        ? []
        : [
            {
              at: new Date(receivedAt + 2 * HOUR).toISOString(),
              kind: 'state_change',
              channel: null,
              actor: 'agent.eixample',
              text: null,
              from_state: 'pending_validation',
              to_state: state,
            },
          ]),
    ],
  };
}

/** The whole demo city, with times relative to `now` (milliseconds). */
export function demoCity(now) {
  const citizens = citizenRecords();
  const requests = [];
  let serial = 120;
  for (const [group, count] of [
    ['lighting', 58],
    ['paving', 14],
  ]) {
    const themes = themesOf(group);
    for (let index = 0; index < count; index += 1) {
      serial += 1;
      requests.push(requestRecord({ group, theme: themes[index % themes.length], index, serial, now, citizens }));
    }
  }
  for (const [index, request] of requests.entries()) {
    if (index % 6 === 1 && index > 0) {
      request.duplicates = [
        { reference: requests[index - 1].reference, state: requests[index - 1].state, distance_m: 18 + index, received_at: requests[index - 1].received_at },
      ];
    } else {
      request.duplicates = [];
    }
  }
  const duplicate = {
    citizen_id: citizenId(citizens.length + 1),
    display_name: DUPLICATE.name,
    kind: 'provisional',
    district: DUPLICATE.district,
    neighbourhood: NEIGHBOURHOODS[0],
    languages: [DUPLICATE.language],
    contacts: [
      { kind: 'phone', value: DUPLICATE.phone, verified: false },
      { kind: 'email', value: DUPLICATE.email, verified: false },
    ],
    consents: [{ purpose: 'service', channel: 'email', granted: true, at: '2026-01-12T10:40:00Z' }],
  };
  const paving = themesOf('paving');
  serial += 1;
  const call = requestRecord({ group: 'paving', theme: paving[0], index: 5, serial, now, citizens: [duplicate] });
  requests.push({ ...call, channel: 'phone', district: '2', location: { ...call.location, district: '2' }, duplicates: [] });
  citizens.push(duplicate);
  return { citizens, requests, themes: catalogue.themes, areas: catalogue.areas, serial };
}

export const TEMPLATES = {
  ca: [
    { id: 'ack', title: 'Avís rebut', text: 'Hem rebut el vostre avís i ja l’hem passat a l’equip responsable.' },
    { id: 'planned', title: 'Actuació planificada', text: 'Tenim planificada l’actuació per als propers dies. Gracies per avisar.' },
    { id: 'done', title: 'Resolta', text: 'Ja hem resolt la incidencia que ens vau comunicar. Gracies.' },
  ],
  es: [
    { id: 'ack', title: 'Aviso recibido', text: 'Hemos recibido su aviso y ya lo hemos pasado al equipo responsable.' },
    { id: 'planned', title: 'Actuación planificada', text: 'Tenemos planificada la actuación para los próximos días. Gracias por avisar.' },
    { id: 'done', title: 'Resuelta', text: 'Ya hemos resuelto la incidencia que nos comunicó. Gracias.' },
  ],
  en: [
    { id: 'ack', title: 'Report received', text: 'We have received your report and passed it to the team in charge.' },
    { id: 'planned', title: 'Work planned', text: 'The work is planned for the coming days. Thank you for telling us.' },
    { id: 'done', title: 'Resolved', text: 'The problem you reported has been fixed. Thank you.' },
  ],
};
