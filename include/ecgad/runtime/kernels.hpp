#pragma once
// The one compute kernel of the runtime: y = act(x Wᵀ + b) for a block of rows, on Eigen's
// SIMD packets (SSE/AVX/AVX-512, whatever the including translation unit is compiled for).
//
// Why not Eigen's GEMM: for these shapes (K and N of 8..140) its packing and dispatch cost
// dominates and, more importantly, its summation order depends on the number of rows (GEMV
// for one row, different peeling for remainders), so a beat scored alone and the same beat in
// a batch differed in the last bits. Here every output element is computed by the same
// sequence of operations whatever the batch — bias, then one multiply-add per input in input
// order, then the activation on the packet — so results are bit-identical between the
// single-beat and batch paths and independent of how a batch is cut into blocks.
//
// Layout: weights are packed at load into panels of P outputs (P = packet size): panel p holds
// in x P floats, row k = W[p*P .. p*P+P-1, k] (zero-padded past `out`). The micro-kernel keeps
// R rows x NP panels of accumulators in registers, broadcasts one input per row and multiply-
// adds it with NP weight packets per input index.

#include <algorithm>
#include <cstddef>

#include <Eigen/Core>

#include "ecgad/runtime/activation.hpp"

namespace ecgad::runtime::detail {

using Packet = Eigen::internal::packet_traits<float>::type;
inline constexpr int kPacketSize = Eigen::internal::packet_traits<float>::size;
// Accumulator tile: R rows x NP packets, sized to the register file (32 vector registers with
// AVX-512, 16 otherwise), leaving room for the weight packets and the broadcast input.
inline constexpr int kVectorRegisters = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS;
inline constexpr int kTileRows = kVectorRegisters >= 32 ? 8 : 4;
inline constexpr int kTilePanels = kVectorRegisters >= 32 ? 3 : 2;

/// A torch.nn.Linear (or a convolution as a product over gathered taps) plus its activation,
/// with the weights packed for the kernel.
struct PackedLinear {
  Eigen::Index in = 0;      ///< inputs per row (K)
  Eigen::Index out = 0;     ///< outputs per row
  Eigen::Index panels = 0;  ///< ceil(out / P)
  Eigen::VectorXf weight;   ///< panels x in x P (aligned: Eigen allocates to the packet size)
  Eigen::VectorXf bias;     ///< panels x P, zero-padded
  Activation act = Activation::linear;

  /// Packs `w(o, k)` = weight of output o for input k, o < out, k < in.
  template <typename WeightOf>
  static PackedLinear pack(Eigen::Index in, Eigen::Index out, WeightOf&& w,
                           const float* bias_values, Activation act) {
    PackedLinear p;
    p.in = in;
    p.out = out;
    p.panels = (out + kPacketSize - 1) / kPacketSize;
    p.weight = Eigen::VectorXf::Zero(p.panels * in * kPacketSize);
    p.bias = Eigen::VectorXf::Zero(p.panels * kPacketSize);
    for (Eigen::Index o = 0; o < out; ++o) {
      const Eigen::Index panel = o / kPacketSize;
      const Eigen::Index lane = o % kPacketSize;
      for (Eigen::Index k = 0; k < in; ++k) {
        p.weight((panel * in + k) * kPacketSize + lane) = w(o, k);
      }
      p.bias(o) = bias_values[o];
    }
    p.act = act;
    return p;
  }
};

/// The rows a kernel call reads: the first k1 inputs of row r at a + r * a_stride, then
/// (optionally) k2 more at b + r * b_stride — a concatenation without a copy.
struct KernelInput {
  const float* a = nullptr;
  Eigen::Index a_stride = 0;
  Eigen::Index k1 = 0;
  const float* b = nullptr;
  Eigen::Index b_stride = 0;
  Eigen::Index k2 = 0;
};

EIGEN_STRONG_INLINE Packet activate_packet(const Packet& v, Activation act) {
  using namespace Eigen::internal;  // NOLINT: Eigen's packet functions are found here
  switch (act) {
    case Activation::linear:
      return v;
    case Activation::relu:
      return pmax(v, pzero(v));
    case Activation::sigmoid:
      return scalar_logistic_op<float>().packetOp(v);
    case Activation::tanh:
      return ptanh(v);
  }
  return v;
}

// unpacket_traits<__m512> names a vector type whose attributes a template argument drops; GCC
// warns about that although only the trait's constants are used.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif
template <typename P>
using PacketTraits = Eigen::internal::unpacket_traits<P>;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// Stores the first n (0 < n < P) lanes of v. AVX and AVX-512 have masked stores; SSE goes
/// through a small stack buffer.
template <typename P>
EIGEN_STRONG_INLINE void store_partial(float* dst, const P& v, Eigen::Index n) {
  if constexpr (PacketTraits<P>::masked_store_available) {
    using Mask = typename PacketTraits<P>::mask_t;
    Eigen::internal::pstoreu(dst, v, static_cast<Mask>((1u << static_cast<unsigned>(n)) - 1u));
  } else {
    EIGEN_ALIGN_MAX float lanes[kPacketSize];
    Eigen::internal::pstore(lanes, v);
    std::copy(lanes, lanes + n, dst);
  }
}

/// Loads n (0 < n < P) floats into the first lanes, zeros in the others.
template <typename P>
EIGEN_STRONG_INLINE P load_partial(const float* src, Eigen::Index n) {
  if constexpr (PacketTraits<P>::masked_load_available) {
    using Mask = typename PacketTraits<P>::mask_t;
    return Eigen::internal::ploadu<P>(src, static_cast<Mask>((1u << static_cast<unsigned>(n)) - 1u));
  } else {
    EIGEN_ALIGN_MAX float lanes[kPacketSize] = {};
    std::copy(src, src + n, lanes);
    return Eigen::internal::pload<P>(lanes);
  }
}

template <int R, int NP>
void linear_tile(const PackedLinear& layer, const KernelInput& x, Eigen::Index first_panel,
                 float* y, Eigen::Index y_stride) {
  using namespace Eigen::internal;  // NOLINT
  constexpr Eigen::Index P = kPacketSize;
  constexpr auto kR = static_cast<std::size_t>(R);
  constexpr auto kNP = static_cast<std::size_t>(NP);
  const Eigen::Index panel_stride = layer.in * P;
  const float* w = layer.weight.data() + first_panel * panel_stride;
  Packet acc[kR][kNP];
  for (int p = 0; p < NP; ++p) {
    const Packet b = pload<Packet>(layer.bias.data() + (first_panel + p) * P);
    for (int r = 0; r < R; ++r) acc[r][p] = b;
  }
  const float* rows_a[kR];
  for (int r = 0; r < R; ++r) rows_a[r] = x.a + r * x.a_stride;
  for (Eigen::Index k = 0; k < x.k1; ++k, w += P) {
    Packet wv[kNP];
    for (int p = 0; p < NP; ++p) wv[p] = pload<Packet>(w + p * panel_stride);
    for (int r = 0; r < R; ++r) {
      const Packet xv = pset1<Packet>(rows_a[r][k]);
      for (int p = 0; p < NP; ++p) acc[r][p] = pmadd(xv, wv[p], acc[r][p]);
    }
  }
  for (Eigen::Index k = 0; k < x.k2; ++k, w += P) {
    Packet wv[kNP];
    for (int p = 0; p < NP; ++p) wv[p] = pload<Packet>(w + p * panel_stride);
    for (int r = 0; r < R; ++r) {
      const Packet xv = pset1<Packet>(x.b[r * x.b_stride + k]);
      for (int p = 0; p < NP; ++p) acc[r][p] = pmadd(xv, wv[p], acc[r][p]);
    }
  }
  for (int p = 0; p < NP; ++p) {
    const Eigen::Index col = (first_panel + p) * P;
    const Eigen::Index valid = std::min<Eigen::Index>(P, layer.out - col);
    for (int r = 0; r < R; ++r) {
      const Packet v = activate_packet(acc[r][p], layer.act);
      float* dst = y + r * y_stride + col;
      if (valid == P) {
        pstoreu(dst, v);
      } else {
        store_partial(dst, v, valid);
      }
    }
  }
}

template <int R>
void linear_tile_panels(int np, const PackedLinear& layer, const KernelInput& x,
                        Eigen::Index first_panel, float* y, Eigen::Index y_stride) {
  static_assert(kTilePanels <= 3, "extend the dispatch below");
  switch (np) {
    case 1:
      linear_tile<R, 1>(layer, x, first_panel, y, y_stride);
      break;
    case 2:
      linear_tile<R, 2>(layer, x, first_panel, y, y_stride);
      break;
    default:
      if constexpr (kTilePanels >= 3) linear_tile<R, kTilePanels>(layer, x, first_panel, y, y_stride);
      break;
  }
}

template <int R = kTileRows>
void linear_tile_rows(int rows, int np, const PackedLinear& layer, const KernelInput& x,
                      Eigen::Index first_panel, float* y, Eigen::Index y_stride) {
  if constexpr (R >= 1) {
    if (rows == R) {
      linear_tile_panels<R>(np, layer, x, first_panel, y, y_stride);
    } else {
      linear_tile_rows<R - 1>(rows, np, layer, x, first_panel, y, y_stride);
    }
  }
}

/// y[r, :] = act(x[r, :] Wᵀ + b) for r < rows; y rows at y + r * y_stride (layer.out values
/// each). Allocates nothing.
inline void linear_forward(const PackedLinear& layer, const KernelInput& x, Eigen::Index rows,
                           float* y, Eigen::Index y_stride) {
  // Panel groups outermost: a group's weights (in x NP x P floats) stay in L1 while the rows
  // stream through.
  for (Eigen::Index g = 0; g < layer.panels; g += kTilePanels) {
    const int np = static_cast<int>(std::min<Eigen::Index>(kTilePanels, layer.panels - g));
    for (Eigen::Index r0 = 0; r0 < rows; r0 += kTileRows) {
      const int r = static_cast<int>(std::min<Eigen::Index>(kTileRows, rows - r0));
      KernelInput tile = x;
      tile.a = x.a + r0 * x.a_stride;
      if (x.b != nullptr) tile.b = x.b + r0 * x.b_stride;
      linear_tile_rows(r, np, layer, tile, g, y + r0 * y_stride, y_stride);
    }
  }
}

/// linear_forward for a plain row-major input of layer.in values per row.
inline void linear_forward(const PackedLinear& layer, const float* x, Eigen::Index x_stride,
                           Eigen::Index rows, float* y, Eigen::Index y_stride) {
  KernelInput in;
  in.a = x;
  in.a_stride = x_stride;
  in.k1 = layer.in;
  linear_forward(layer, in, rows, y, y_stride);
}

/// Sums of |x - x̂| and (x - x̂)², and max |x - x̂|, over n values in one pass; writes |x - x̂| to
/// `profile` when it is not null. The operation order depends on n only, never on the batch.
struct RowErrors {
  float abs_sum = 0.0f;
  float sq_sum = 0.0f;
  float max_abs = 0.0f;
};

inline RowErrors row_errors(const float* x, const float* x_hat, Eigen::Index n, float* profile) {
  using namespace Eigen::internal;  // NOLINT
  constexpr Eigen::Index P = kPacketSize;
  Packet abs_sum = pzero(Packet());
  Packet sq_sum = pzero(Packet());
  Packet max_abs = pzero(Packet());
  auto step = [&](const Packet& e) {
    const Packet a = pabs(e);
    abs_sum = padd(abs_sum, a);
    sq_sum = pmadd(e, e, sq_sum);
    max_abs = pmax(max_abs, a);
    return a;
  };
  Eigen::Index i = 0;
  for (; i + P <= n; i += P) {
    const Packet a = step(psub(ploadu<Packet>(x + i), ploadu<Packet>(x_hat + i)));
    if (profile != nullptr) pstoreu(profile + i, a);
  }
  if (i < n) {
    // Zero lanes add nothing to the sums and cannot raise the max of absolute values.
    const Packet a = step(psub(load_partial<Packet>(x + i, n - i), load_partial<Packet>(x_hat + i, n - i)));
    if (profile != nullptr) store_partial(profile + i, a, n - i);
  }
  return {predux(abs_sum), predux(sq_sum), predux_max(max_abs)};
}

}  // namespace ecgad::runtime::detail
