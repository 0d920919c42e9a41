export { sipRealm } from './realm.ts';
export { type DeviceSecret, ha1Values, SecretStore } from './store.ts';
