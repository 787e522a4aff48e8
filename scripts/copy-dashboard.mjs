// Ship the dashboard's static files beside the compiled server (dist/dashboard), where it serves them from.
import { cpSync } from 'node:fs';
cpSync(new URL('../dashboard', import.meta.url), new URL('../dist/dashboard', import.meta.url), { recursive: true });
