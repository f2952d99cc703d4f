{
  "targets": [
    {
      "target_name": "node_libtensorflow",
      "sources": [
        "native/addon.cc",
        "native/checkpoint_reader.cc",
        "native/external_memory.cc",
        "native/graph.cc",
        "native/import_options.cc",
        "native/intra_op.cc",
        "native/operation.cc",
        "native/operation_description.cc",
        "native/server.cc",
        "native/session.cc",
        "native/session_blocking.cc",
        "native/session_run.cc",
        "native/session_runner.cc",
        "native/session_saved_model.cc",
        "native/status.cc",
        "native/tensor.cc",
        "native/tensor_helper.cc",
        "native/tensor_staging.cc",
        "native/tensor_view.cc",
        "native/tf_api.cc",
        "native/v8_direct.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node scripts/include-dir.js)"
      ],
      "defines": ["NAPI_EXPERIMENTAL", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=return-type"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "libraries": ["-ldl"]
    }
  ]
}
