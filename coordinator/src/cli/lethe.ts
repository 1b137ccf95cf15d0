#!/usr/bin/env node
// The `lethe` bin: the one composition root that may reach both coordinator and worker commands.
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
