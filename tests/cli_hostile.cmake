# SPDX-License-Identifier: MIT
# Hostile input at the command line (issue 11): inputs that are not regular files end at once with
# "missing input" (66) and the reason, and bad data ends with 65 naming the file and the position.
# Included by tests/CMakeLists.txt after imram_cli_test is defined. Fixtures: tests/fixtures/hostile/README.md.
set(IMRAM_HOSTILE_DATA ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/hostile)

# Not regular files: refused before any read (/dev/zero was once read until killed), exit 66.
imram_cli_test(hostile_inspect_dev_zero 66 CMD inspect /dev/zero ERR "/dev/zero as an input file: it is a character device")
imram_cli_test(hostile_inspect_directory 66 CMD inspect . ERR "it is a directory, expected a regular file")
imram_cli_test(hostile_eval_checkpoint_dev_zero 66 CMD eval --checkpoint /dev/zero ERR "it is a character device")
imram_cli_test(hostile_eval_checkpoint_directory 66 CMD eval --checkpoint . ERR "it is a directory")
imram_cli_test(hostile_vocab_dev_zero 66 CMD vocab /dev/zero --out v.json ERR "it is a character device")
set_tests_properties(cli_hostile_inspect_dev_zero cli_hostile_inspect_directory cli_hostile_eval_checkpoint_dev_zero
                     cli_hostile_eval_checkpoint_directory cli_hostile_vocab_dev_zero PROPERTIES TIMEOUT 30)

# Bad data under a sound model (the demo model trained from disk in tests/CMakeLists.txt): exit 65.
set(IMRAM_HOSTILE_MODEL ../cli_train_precomp_epoch/run/model_best.safetensors)
imram_cli_test(hostile_eval_nan_features 65
               CMD eval --data_path ${IMRAM_HOSTILE_DATA} --data_name nan_precomp --vocab_path ${IMRAM_HOSTILE_DATA}/vocab
                   --checkpoint ${IMRAM_HOSTILE_MODEL}
               ERR "nan_precomp/test_ims.npy: image 1, region 0, feature 2 is NaN; features must be finite")
imram_cli_test(hostile_eval_long_caption 65
               CMD eval --data_path ${IMRAM_HOSTILE_DATA} --data_name long_precomp --vocab_path ${IMRAM_HOSTILE_DATA}/vocab
                   --checkpoint ${IMRAM_HOSTILE_MODEL}
               ERR "long_precomp/test_caps.txt:3: caption of 8999 bytes is longer than the limit of 4096 bytes")
set_tests_properties(cli_hostile_eval_nan_features cli_hostile_eval_long_caption
                     PROPERTIES DEPENDS "cli_export_demo;cli_train_precomp_epoch" TIMEOUT 60)

# A search query over the token limit is refused before it is encoded (it would be padded into memory).
string(REPEAT "dog " 300 IMRAM_HOSTILE_QUERY)
imram_cli_test(hostile_search_long_query 65
               CMD search --checkpoint ../cli_train_and_eval_demo/run/model_best.safetensors --query "${IMRAM_HOSTILE_QUERY}"
               ERR "has 300 tokens, more than the limit of 256 tokens")
set_tests_properties(cli_hostile_search_long_query PROPERTIES DEPENDS cli_train_and_eval_demo TIMEOUT 60)

# A model file with a NaN weight is refused when loaded, naming the tensor and the element (it would
# score everything NaN).
imram_cli_test(hostile_eval_nan_weight 65 CMD eval --checkpoint ${IMRAM_HOSTILE_DATA}/nan_weight.safetensors
               ERR "nan_weight.safetensors: tensor 'txt_enc.embed.weight' \\[2, 2\\]: element 1 \\(at \\[0, 1\\]\\) is NaN")
# The same for an official checkpoint: `imram convert` refuses it, naming the tensor as the model file
# would (and writes nothing).
imram_cli_test(hostile_convert_nan_weight 65 CMD convert ${IMRAM_HOSTILE_DATA}/nan_weight_legacy.pth.tar out.safetensors
               ERR "nan_weight_legacy.pth.tar: tensor 'txt_enc.rnn.bias_hh_l0_reverse' \\[48\\]: element 47 \\(at \\[47\\]\\) is NaN")
set_tests_properties(cli_hostile_eval_nan_weight cli_hostile_convert_nan_weight PROPERTIES TIMEOUT 60)
