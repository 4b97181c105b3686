#!/usr/bin/env node
import '../dist/devnet/cli.js';
