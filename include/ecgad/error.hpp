#pragma once
// The exception hierarchy. Every error ecgad raises derives from ecgad::Error and says which
// value was wrong and what was expected. The Python bindings map InvalidArgument and
// FormatError to ValueError, IoError to OSError and StateError to RuntimeError.

#include <stdexcept>
#include <string>

namespace ecgad {

/// Base of every exception ecgad throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A parameter or an input signal is outside what the function accepts.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A file or byte stream does not follow its format (corrupt, truncated, mismatched).
class FormatError : public Error {
 public:
  using Error::Error;
};

/// The operating system refused a read or write.
class IoError : public Error {
 public:
  using Error::Error;
};

/// An object was used in a state that does not allow the call (e.g. before setup()).
class StateError : public Error {
 public:
  using Error::Error;
};

}  // namespace ecgad
