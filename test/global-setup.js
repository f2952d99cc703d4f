// Runs once in jest's parent process (outside the test sandboxes), so the variable reaches the real
// environment that TensorFlow reads and that jest's worker processes inherit.
module.exports = async () => {
  process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
};
