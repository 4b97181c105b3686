#!/usr/bin/env node
import '../dist/wallet/cli.js';
