// SPDX-License-Identifier: MIT
// Scalar definitions of the unary ops and their derivatives: the single source of truth for the
// maths, used by the host backends (the CUDA backend mirrors these in device code).
#pragma once

#include <cmath>

#include "kernels/args.h"

namespace imram {

template <class T>
inline T unary_value(UnaryOp op, T x, T p0, T p1) {
    switch (op) {
        case UnaryOp::Neg:
            return -x;
        case UnaryOp::Exp:
            return std::exp(x);
        case UnaryOp::Log:
            return std::log(x);
        case UnaryOp::Sqrt:
            return std::sqrt(x);
        case UnaryOp::Tanh:
            return std::tanh(x);
        case UnaryOp::Sigmoid:
            return T(1) / (T(1) + std::exp(-x));
        case UnaryOp::Relu:
            return x > T(0) ? x : T(0);
        case UnaryOp::LeakyRelu:
            return x > T(0) ? x : p0 * x;
        case UnaryOp::Pow:
            return std::pow(x, p0);
        case UnaryOp::Clamp:
            return x < p0 ? p0 : (x > p1 ? p1 : x);
    }
    return x;
}

/// d f / d x at x, given y = f(x).
template <class T>
inline T unary_derivative(UnaryOp op, T x, T y, T p0, T p1) {
    switch (op) {
        case UnaryOp::Neg:
            return T(-1);
        case UnaryOp::Exp:
            return y;
        case UnaryOp::Log:
            return T(1) / x;
        case UnaryOp::Sqrt:
            return T(0.5) / y;
        case UnaryOp::Tanh:
            return T(1) - y * y;
        case UnaryOp::Sigmoid:
            return y * (T(1) - y);
        case UnaryOp::Relu:
            return x > T(0) ? T(1) : T(0);
        case UnaryOp::LeakyRelu:
            return x > T(0) ? T(1) : p0;
        case UnaryOp::Pow:
            return p0 * std::pow(x, p0 - T(1));
        case UnaryOp::Clamp:
            return (x >= p0 && x <= p1) ? T(1) : T(0);
    }
    return T(0);
}

template <class T>
inline T binary_value(BinaryOp op, T a, T b) {
    switch (op) {
        case BinaryOp::Add:
            return a + b;
        case BinaryOp::Sub:
            return a - b;
        case BinaryOp::Mul:
            return a * b;
        case BinaryOp::Div:
            return a / b;
    }
    return a;
}

}  // namespace imram
