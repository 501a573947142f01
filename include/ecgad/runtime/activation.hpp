#pragma once
// The activations of the exported autoencoders. The kernel (kernels.hpp) applies them to the
// accumulator packets before storing: relu and identity are exact; sigmoid and tanh use Eigen's
// vectorised float approximations (a few ulp, well inside the runtime's 1e-5 agreement with
// PyTorch).

#include <string>

#include "ecgad/error.hpp"

namespace ecgad::runtime {

/// The activations a config may name (torch.nn.ReLU, Sigmoid, Tanh, Identity).
enum class Activation { linear, relu, sigmoid, tanh };

/// "linear", "relu", "sigmoid" or "tanh".
inline const char* to_string(Activation a) {
  switch (a) {
    case Activation::linear:
      return "linear";
    case Activation::relu:
      return "relu";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
  }
  return "linear";
}

/// Parses an activation name; throws InvalidArgument naming the bad value otherwise.
inline Activation parse_activation(const std::string& name) {
  if (name == "linear") return Activation::linear;
  if (name == "relu") return Activation::relu;
  if (name == "sigmoid") return Activation::sigmoid;
  if (name == "tanh") return Activation::tanh;
  throw InvalidArgument("activation must be one of 'linear', 'relu', 'sigmoid', 'tanh', got '" +
                        name + "'");
}

}  // namespace ecgad::runtime
