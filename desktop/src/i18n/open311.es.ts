/** Español: las palabras de la pantalla de apps cliente de Open311 (personal administrador); parte de `es`. */
import type { Open311Key } from './open311.en';

export const open311Es: Readonly<Record<Open311Key, string>> = {
  'nav.open311Apps': 'Apps Open311',
  'open311.title': 'Apps cliente de Open311',
  'open311.intro':
    'Las apps y los servicios que presentan solicitudes por Open311 (GeoReport v2) usan cada uno una clave propia. Registre una app para darle su clave; revóquela para rechazar la clave a partir de ese momento.',
  'open311.forbidden': 'Solo el personal administrador gestiona las apps cliente de Open311.',
  'open311.none': 'Todavía no hay ninguna app cliente registrada.',
  'open311.column.id': 'Identificador',
  'open311.column.name': 'Nombre',
  'open311.column.registered': 'Registrada',
  'open311.column.state': 'Estado',
  'open311.column.action': 'Acción',
  'open311.active': 'Activa',
  'open311.revokedOn': 'Revocada el {date}',
  'open311.registerTitle': 'Registrar una app',
  'open311.id': 'Identificador de la app',
  'open311.idHint':
    'De 3 a 40 letras minúsculas, cifras o guiones. Encabeza la clave y nunca se da a otra app.',
  'open311.name': 'Nombre',
  'open311.nameHint': 'Como la conoce el personal del Ayuntamiento.',
  'open311.submit': 'Registrar la app',
  'open311.registering': 'Registrando…',
  'open311.idInvalid': 'El identificador tiene de 3 a 40 letras minúsculas, cifras o guiones.',
  'open311.nameInvalid': 'Dé a la app un nombre de 120 caracteres como máximo.',
  'open311.taken':
    'Este identificador ya está ocupado. Los identificadores no se vuelven a usar nunca, ni tras una revocación: elija otro.',
  'open311.keyTitle': 'La clave de {name}',
  'open311.keyOnce': 'Copie esta clave ahora y entréguela a quien desarrolla la app: no se volverá a mostrar.',
  'open311.keyLabel': 'Clave de la API',
  'open311.copy': 'Copiar la clave',
  'open311.copied': 'Se ha copiado la clave.',
  'open311.copyFailed': 'No se ha podido copiar la clave: selecciónela y cópiela a mano.',
  'open311.keyDone': 'Ya he guardado la clave',
  'open311.revoke': 'Revocar',
  'open311.revokeLabel': 'Revocar {id}',
  'open311.revokeTitle': '¿Revocar {name}?',
  'open311.revokeText':
    'La clave de la app se rechazará a partir de ahora. No se puede deshacer, y su identificador no se podrá volver a registrar.',
  'open311.revokeConfirm': 'Revocar la app',
  'open311.revoked': 'La app {id} está revocada: su clave se rechaza.',
};
