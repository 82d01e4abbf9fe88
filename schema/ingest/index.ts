// Writes from the Union's systems and units: the unit tree, members, models, teams,
// products, relics and activity reports. Every mutation checks its input, writes in one
// transaction with the roll-ups and an audit row, and is idempotent; a refusal comes back
// as a typed error in its result union.
import { builder } from '../builder.js';
import './units.js';
import './tree.js';
import './members.js';
import './items.js';
import './reports.js';
import './import.js';

builder.mutationType({
  description:
    'Writes. Each runs in one transaction: nothing is half-written. Who may write: a CENTRAL_ADMIN anywhere; a UNIT_ADMIN in its home unit’s subtree (its own unit included); nobody else (docs/access.md). importRecords and the partner keys are for a CENTRAL_ADMIN only.',
});
