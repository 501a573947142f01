// The compiled library links LibTorch privately and works at run time.
#include <string>

#include <gtest/gtest.h>

#include "ecgad/error.hpp"
#include "ecgad/model/backend.hpp"
#include "ecgad/version.hpp"

TEST(Backend, ReportsTorchVersionAndThreads) {
  const auto info = ecgad::model::backend_info();
  EXPECT_EQ(info.torch_version.rfind("1.", 0), 0u) << info.torch_version;
  EXPECT_GE(info.intra_op_threads, 1);
  EXPECT_GE(info.inter_op_threads, 1);
  EXPECT_FALSE(info.parallel_info.empty());
}

TEST(Backend, SelfCheckComputesThroughTorch) {
  // [[1,2],[3,4]]^2 = [[7,10],[15,22]], whose sum is 54.
  EXPECT_EQ(ecgad::model::torch_self_check(), 54.0);
}

TEST(Backend, SetNumThreadsChangesAndValidates) {
  const int before = ecgad::model::backend_info().intra_op_threads;
  ecgad::model::set_num_threads(2);
  EXPECT_EQ(ecgad::model::backend_info().intra_op_threads, 2);
  ecgad::model::set_num_threads(before);
  EXPECT_THROW(ecgad::model::set_num_threads(0), ecgad::InvalidArgument);
}

TEST(Version, MatchesTheVersionFile) {
  EXPECT_STREQ(ecgad::version_string, ECGAD_VERSION_STRING);
  const std::string composed = std::to_string(ECGAD_VERSION_MAJOR) + "." +
                               std::to_string(ECGAD_VERSION_MINOR) + "." +
                               std::to_string(ECGAD_VERSION_PATCH);
  EXPECT_EQ(composed, ecgad::version_string);
}
