// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.GraphKeys: collection names, kept as Python spells them so MetaGraphDefs interoperate.
export const GraphKeys = {
  GLOBAL_VARIABLES: 'variables',
  LOCAL_VARIABLES: 'local_variables',
  METRIC_VARIABLES: 'metric_variables',
  MODEL_VARIABLES: 'model_variables',
  TRAINABLE_VARIABLES: 'trainable_variables',
  SUMMARIES: 'summaries',
  QUEUE_RUNNERS: 'queue_runners',
  TABLE_INITIALIZERS: 'table_initializer',
  ASSET_FILEPATHS: 'asset_filepaths',
  MOVING_AVERAGE_VARIABLES: 'moving_average_variables',
  REGULARIZATION_LOSSES: 'regularization_losses',
  CONCATENATED_VARIABLES: 'concatenated_variables',
  SAVERS: 'savers',
  WEIGHTS: 'weights',
  BIASES: 'biases',
  ACTIVATIONS: 'activations',
  UPDATE_OPS: 'update_ops',
  LOSSES: 'losses',
  SAVEABLE_OBJECTS: 'saveable_objects',
  RESOURCES: 'resources',
  LOCAL_RESOURCES: 'local_resources',
  TRAINABLE_RESOURCE_VARIABLES: 'trainable_resource_variables',
  INIT_OP: 'init_op',
  LOCAL_INIT_OP: 'local_init_op',
  READY_OP: 'ready_op',
  READY_FOR_LOCAL_INIT_OP: 'ready_for_local_init_op',
  SUMMARY_OP: 'summary_op',
  GLOBAL_STEP: 'global_step',
  EVAL_STEP: 'eval_step',
  TRAIN_OP: 'train_op',
  COND_CONTEXT: 'cond_context',
  WHILE_CONTEXT: 'while_context',
} as const;

/**
 * Python's GraphKeys._VARIABLE_COLLECTIONS: the collections whose members are variables (stored as
 * VariableDefs in a MetaGraphDef; a copied variable joins them in its destination too).
 */
export const VARIABLE_COLLECTIONS: readonly string[] = [
  GraphKeys.GLOBAL_VARIABLES,
  GraphKeys.LOCAL_VARIABLES,
  GraphKeys.METRIC_VARIABLES,
  GraphKeys.MODEL_VARIABLES,
  GraphKeys.TRAINABLE_VARIABLES,
  GraphKeys.MOVING_AVERAGE_VARIABLES,
  GraphKeys.CONCATENATED_VARIABLES,
  GraphKeys.TRAINABLE_RESOURCE_VARIABLES,
];
