// mocha --config test/tiers/integration.cjs: the shared options of .mocharc.json with this tier's files.
module.exports = { ...require('../../.mocharc.json'), spec: require('./tiers.cjs').integration };
