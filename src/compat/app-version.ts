/** package.json's version, put in by vite (vite.config.ts `define`); 'dev' outside a vite build. */
declare const __RINGKIT_VERSION__: string | undefined;

export const APP_VERSION: string = typeof __RINGKIT_VERSION__ === 'string' ? __RINGKIT_VERSION__ : 'dev';
