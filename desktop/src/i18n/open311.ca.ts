/** Català: les paraules de la pantalla d’apps client d’Open311 (personal administrador); part de `ca`. */
import type { Open311Key } from './open311.en';

export const open311Ca: Readonly<Record<Open311Key, string>> = {
  'nav.open311Apps': 'Apps Open311',
  'open311.title': 'Apps client d’Open311',
  'open311.intro':
    'Les apps i els serveis que presenten sol·licituds per Open311 (GeoReport v2) fan servir cadascun una clau pròpia. Registreu una app per donar-li la clau; revoqueu-la per rebutjar la clau a partir d’aquell moment.',
  'open311.forbidden': 'Només el personal administrador gestiona les apps client d’Open311.',
  'open311.none': 'Encara no hi ha cap app client registrada.',
  'open311.column.id': 'Identificador',
  'open311.column.name': 'Nom',
  'open311.column.registered': 'Registrada',
  'open311.column.state': 'Estat',
  'open311.column.action': 'Acció',
  'open311.active': 'Activa',
  'open311.revokedOn': 'Revocada el {date}',
  'open311.registerTitle': 'Registra una app',
  'open311.id': 'Identificador de l’app',
  'open311.idHint':
    'De 3 a 40 lletres minúscules, xifres o guionets. Encapçala la clau i no es dona mai a cap altra app.',
  'open311.name': 'Nom',
  'open311.nameHint': 'Com la coneix el personal de l’Ajuntament.',
  'open311.submit': 'Registra l’app',
  'open311.registering': 'S’està registrant…',
  'open311.idInvalid': 'L’identificador té de 3 a 40 lletres minúscules, xifres o guionets.',
  'open311.nameInvalid': 'Doneu a l’app un nom de 120 caràcters com a màxim.',
  'open311.taken':
    'Aquest identificador ja està agafat. Els identificadors no es tornen a fer servir mai, ni després d’una revocació: trieu-ne un altre.',
  'open311.keyTitle': 'La clau de {name}',
  'open311.keyOnce': 'Copieu aquesta clau ara i doneu-la a qui desenvolupa l’app: no es tornarà a mostrar.',
  'open311.keyLabel': 'Clau de l’API',
  'open311.copy': 'Copia la clau',
  'open311.copied': 'S’ha copiat la clau.',
  'open311.copyFailed': 'No s’ha pogut copiar la clau: seleccioneu-la i copieu-la a mà.',
  'open311.keyDone': 'Ja he desat la clau',
  'open311.revoke': 'Revoca',
  'open311.revokeLabel': 'Revoca {id}',
  'open311.revokeTitle': 'Voleu revocar {name}?',
  'open311.revokeText':
    'La clau de l’app es rebutjarà a partir d’ara. No es pot desfer, i el seu identificador no es podrà tornar a registrar.',
  'open311.revokeConfirm': 'Revoca l’app',
  'open311.revoked': 'L’app {id} està revocada: la seva clau es rebutja.',
};
