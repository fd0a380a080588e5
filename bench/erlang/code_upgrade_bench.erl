%% The Erlang twin of bench/code_upgrade: upgrading N live gen_servers of one module the way
%% release_handler does (sys:suspend each, load the new version, sys:change_code each, sys:resume
%% each), and loading one module. Same output as otp_code_upgrade_bench:
%%   upgrade_<N>\t<total ms>\t<longest suspension ms>   (median of the repetitions)
%%   load_module\t<us>                                   (median of 200 loads, purge included)
%% A process's suspension is bounded by the time from its suspend request to its resume reply.
%% Usage: erl -noshell -pa DIR -eval 'code_upgrade_bench:run([Repetitions, N...]), halt().'
-module(code_upgrade_bench).
-export([run/1]).

source(Vsn) ->
    CodeChange = case Vsn of
                     1 -> "code_change(_, S, _) -> {ok, S}.";
                     2 -> "code_change(_, S, _) -> {ok, {S, 1}}."
                 end,
    ["-module(upgrade_srv).", "-behaviour(gen_server).", io_lib:format("-vsn(\"~p\").", [Vsn]),
     "-export([init/1, handle_call/3, handle_cast/2, code_change/3]).",
     "init(_) -> {ok, 0}.", "handle_call(_, _, S) -> {reply, S, S}.", "handle_cast(_, S) -> {noreply, S}.",
     CodeChange].

binary_of(Vsn) ->
    Forms = [begin
                 {ok, Tokens, _} = erl_scan:string(lists:flatten(Line)),
                 {ok, Form} = erl_parse:parse_form(Tokens),
                 Form
             end || Line <- source(Vsn)],
    {ok, upgrade_srv, Bin} = compile:forms(Forms, [binary]),
    Bin.

load(Bin) -> {module, upgrade_srv} = code:load_binary(upgrade_srv, "upgrade_srv.beam", Bin).

now_us() -> erlang:monotonic_time(microsecond).

median(L) -> lists:nth(length(L) div 2 + 1, lists:sort(L)).

upgrade(Pids, V2) ->
    T0 = now_us(),
    Sent = [begin S = now_us(), ok = sys:suspend(P), S end || P <- Pids],
    load(V2),
    [ok = sys:change_code(P, upgrade_srv, "1", []) || P <- Pids],
    Done = [begin ok = sys:resume(P), now_us() end || P <- Pids],
    Total = (now_us() - T0) / 1000,
    Longest = lists:max([D - S || {S, D} <- lists:zip(Sent, Done)]) / 1000,
    {Total, Longest}.

bench_upgrade(N, Repetitions, V1, V2) ->
    Runs = [begin
                load(V1),
                Pids = [begin {ok, P} = gen_server:start(upgrade_srv, [], []), P end || _ <- lists:seq(1, N)],
                R = upgrade(Pids, V2),
                [exit(P, kill) || P <- Pids],
                R
            end || _ <- lists:seq(1, Repetitions)],
    io:format("upgrade_~p\t~.3f\t~.3f~n", [N, median([T || {T, _} <- Runs]), median([L || {_, L} <- Runs])]).

bench_load(Loads, V1, V2) ->
    Times = [begin
                 T0 = now_us(),
                 load(case I rem 2 of 0 -> V1; 1 -> V2 end),
                 now_us() - T0
             end || I <- lists:seq(1, Loads)],
    io:format("load_module\t~.3f~n", [float(median(Times))]).

run([Repetitions | Sizes]) ->
    V1 = binary_of(1),
    V2 = binary_of(2),
    bench_load(200, V1, V2),
    [bench_upgrade(N, Repetitions, V1, V2) || N <- Sizes],
    ok.
